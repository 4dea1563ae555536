/**
 * Generic searches that no index can bound, with the reason. Each must really fail the check
 * (the test says so when one starts to pass), and none may be a README telehealth example.
 */
export const EXCEPTIONS: Readonly<Record<string, string>> = {
  'GET Patient?name:contains=guy': ':contains is an unanchored regex: MongoDB scans every index key or document (combine it with an indexed parameter)',
  'GET Observation?code:text=heart': ':text is an unanchored regex over the display texts (combine it with an indexed parameter)',
};
