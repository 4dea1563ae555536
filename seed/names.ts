/** Synthetic demographics: common names and places, combined at random (no real person). */
export const GIVEN_FEMALE = ['Ana', 'Maria', 'Olivia', 'Emma', 'Aisha', 'Mei', 'Sofia', 'Grace', 'Fatima', 'Chloe', 'Priya', 'Lucia', 'Hannah', 'Zoe', 'Ingrid'];
export const GIVEN_MALE = ['James', 'Luis', 'Noah', 'Omar', 'Wei', 'Liam', 'Mateo', 'David', 'Kwame', 'Ethan', 'Arjun', 'Lucas', 'Samuel', 'Jonas', 'Diego'];
export const FAMILY = [
  'Rivera', 'Nguyen', 'Smith', 'Okafor', 'Garcia', 'Chen', 'Johnson', 'Patel', 'Müller', 'Rossi',
  'Kim', 'Hernandez', 'Brown', 'Haddad', 'Kowalski', 'Silva', 'Andersen', 'Tanaka', 'Dubois', 'Mensah',
];
export const STREETS = ['Maple Street', 'Oak Avenue', 'Harbor Road', 'Elm Drive', 'Cedar Lane', 'Park Boulevard', 'Mill Road', 'River Walk'];
export const CITIES: ReadonlyArray<{ city: string; state: string; postalCode: string }> = [
  { city: 'Springfield', state: 'IL', postalCode: '62701' },
  { city: 'Madison', state: 'WI', postalCode: '53703' },
  { city: 'Portland', state: 'OR', postalCode: '97205' },
  { city: 'Burlington', state: 'VT', postalCode: '05401' },
  { city: 'Boise', state: 'ID', postalCode: '83702' },
  { city: 'Santa Fe', state: 'NM', postalCode: '87501' },
];
export const SPECIALTIES: ReadonlyArray<{ code: string; display: string }> = [
  { code: '394814009', display: 'General practice' },
  { code: '394579002', display: 'Cardiology' },
  { code: '394583002', display: 'Endocrinology' },
  { code: '394582007', display: 'Dermatology' },
  { code: '418112009', display: 'Pulmonary medicine' },
];
