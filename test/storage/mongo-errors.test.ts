import { MongoNetworkError, MongoOperationTimeoutError, MongoServerError, MongoServerSelectionError, MongoTransactionError } from 'mongodb';
import type { Express } from 'express';
import { createApp } from '../../src/http/app';
import { testSettings } from '../helpers/app';
import { sender, type Reply } from '../helpers/send';
import { openMongoDouble, type DriverDouble } from './mongo-double';

/**
 * Every driver failure, thrown by a double with the driver's real error classes, reaches the
 * client as the documented FHIR answer: unavailable → 503 + Retry-After, conflicts retried then
 * 409, unknown commit results retried then 503, driver bugs → 500.
 */
const selection = () => new MongoServerSelectionError('Server selection timed out after 5000 ms', { type: 'Unknown' } as never);
const writeConflict = () =>
  new MongoServerError({ code: 112, codeName: 'WriteConflict', errmsg: 'WriteConflict error', errorLabels: ['TransientTransactionError'] });
const unknownCommit = () => {
  const error = new MongoNetworkError('connection reset during commitTransaction');
  error.addErrorLabel('UnknownTransactionCommitResult');
  return error;
};

let driver: DriverDouble;
let send: ReturnType<typeof sender>;
let close: () => Promise<void>;
let app: Express;

beforeAll(async () => {
  const opened = await openMongoDouble();
  driver = opened.driver;
  close = opened.close;
  app = createApp({ store: opened.store, settings: testSettings() });
  send = sender(app);
});
afterAll(() => close());
afterEach(() => driver.clear());

const patient = { resourceType: 'Patient', name: [{ family: 'Double' }] };

function expectOutcome(reply: Reply, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.body.resourceType).toBe('OperationOutcome');
  expect(reply.body.issue[0].code).toBe(code);
}

describe('MongoDB unavailable → 503 with Retry-After', () => {
  it('server selection timeout on a read', async () => {
    driver.fail('find', selection);
    const reply = await send('GET', 'Patient/abc');
    expectOutcome(reply, 503, 'transient');
    expect(reply.headers['retry-after']).toBe('5');
    expect(reply.body.issue[0].diagnostics).toMatch(/unreachable/);
  });

  it('network error on a search', async () => {
    driver.fail('find', () => new MongoNetworkError('connection reset'));
    const reply = await send('GET', 'Patient?family=double');
    expectOutcome(reply, 503, 'transient');
    expect(reply.headers['retry-after']).toBe('5');
  });

  it('operation time limit (timeoutMS) and MaxTimeMSExpired', async () => {
    driver.fail('find', () => new MongoOperationTimeoutError('Timed out during operation'), 1);
    expectOutcome(await send('GET', 'Patient?family=double'), 503, 'transient');
    driver.fail('find', () => new MongoServerError({ code: 50, codeName: 'MaxTimeMSExpired', errmsg: 'operation exceeded time limit' }), 1);
    expectOutcome(await send('GET', 'Patient?family=double'), 503, 'transient');
  });

  it('server selection inside a transaction is not retried and answers 503', async () => {
    const before = driver.transactionOptions.length;
    driver.fail('insertOne', selection, Number.POSITIVE_INFINITY, 'Patient');
    const reply = await send('POST', 'Patient', patient);
    expectOutcome(reply, 503, 'transient');
    expect(driver.transactionOptions.length - before).toBe(1);
  });

  it('a batch entry answers 503 in its own response', async () => {
    driver.fail('find', selection);
    const reply = await send('POST', '', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/abc' } }] });
    expect(reply.status).toBe(200);
    expect(reply.body.entry[0].response.status).toMatch(/^503/);
  });
});

describe('transactions', () => {
  it('run with snapshot read concern, majority write concern and primary reads', async () => {
    const reply = await send('POST', 'Patient', patient);
    expect(reply.status).toBe(201);
    expect(driver.transactionOptions.at(-1)).toEqual({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' }, readPreference: 'primary' });
  });

  it('a write conflict (112, TransientTransactionError) is retried: 201', async () => {
    const before = driver.transactionOptions.length;
    driver.fail('insertOne', writeConflict, 2, 'Patient');
    const reply = await send('POST', 'Patient', patient);
    expect(reply.status).toBe(201);
    expect(driver.transactionOptions.length - before).toBe(3);
    expect((await send('GET', `Patient/${reply.body.id}`)).status).toBe(200);
  });

  it('a write conflict that persists after the bounded retries is 409', async () => {
    const before = driver.transactionOptions.length;
    driver.fail('insertOne', writeConflict, Number.POSITIVE_INFINITY, 'Patient');
    const reply = await send('POST', 'Patient', patient);
    expectOutcome(reply, 409, 'conflict');
    expect(driver.transactionOptions.length - before).toBe(8);
  });

  it('UnknownTransactionCommitResult: the commit is retried', async () => {
    const before = driver.commits;
    driver.fail('commitTransaction', unknownCommit, 1);
    const reply = await send('POST', 'Patient', patient);
    expect(reply.status).toBe(201);
    expect(driver.commits - before).toBe(2);
  });

  it('UnknownTransactionCommitResult that persists is 503 (outcome unknown), not 500', async () => {
    driver.fail('commitTransaction', unknownCommit);
    const reply = await send('POST', 'Patient', patient);
    expectOutcome(reply, 503, 'transient');
    expect(reply.body.issue[0].diagnostics).toMatch(/may or may not be applied/);
    expect(reply.headers['retry-after']).toBe('5');
  });

  it('a duplicate key (11000) is 409', async () => {
    driver.fail('insertOne', () => new MongoServerError({ code: 11000, codeName: 'DuplicateKey', errmsg: 'E11000 duplicate key error' }), 1, 'Patient');
    expectOutcome(await send('POST', 'Patient', patient), 409, 'conflict');
  });

  it('a driver usage error stays a 500 (a bug, not a store condition)', async () => {
    driver.fail('insertOne', () => new MongoTransactionError('Transaction already in progress'), 1, 'Patient');
    expectOutcome(await send('POST', 'Patient', patient), 500, 'exception');
  });
});
