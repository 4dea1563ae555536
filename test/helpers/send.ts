import request from 'supertest';
import type { FhirMethod } from '../../src/fhir/request';

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Record<string, string>;
}

/** A FHIR JSON request over HTTP (supertest) to `app`, relative to the FHIR base: what the test clients send. */
export function sender(app: Parameters<typeof request>[0]) {
  return async (method: FhirMethod, target: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const url = `/fhir/${target}`.replace(/\/$/, '');
    let req = request(app)[method === 'HEAD' ? 'head' : (method.toLowerCase() as 'get')](url).set('Accept', 'application/fhir+json');
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    if (body !== undefined) req = req.set('Content-Type', 'application/fhir+json').send(JSON.stringify(body));
    const res = await req;
    return { status: res.status, body: res.text ? (JSON.parse(res.text) as unknown) : undefined, headers: res.headers as Record<string, string> };
  };
}
