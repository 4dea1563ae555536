// EHR launch: fhirclient reads iss and launch from the address and starts the authorization.
FHIR.oauth2
  .authorize({ clientId: 'telefhir-demo-app', scope: 'launch launch/patient launch/encounter openid fhirUser patient/*.rs', redirectUri: 'index.html' })
  .catch((error) => {
    document.getElementById('out').textContent = `ERROR ${error.message}`;
  });
