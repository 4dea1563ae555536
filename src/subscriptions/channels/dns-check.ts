import { isIP } from 'node:net';
import { guardedLookup } from '../endpoint';
import type { SubscriptionSettings } from '../settings';
import { DeliveryError } from './rest-hook';

/** Resolves the endpoint's host and fails when any address it resolves to is refused. */
export async function dnsLookupChecked(endpoint: string, settings: SubscriptionSettings): Promise<void> {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return;
  await new Promise<void>((resolve, reject) => {
    guardedLookup(settings)(host, { all: true }, (error) => (error ? reject(new DeliveryError(error.message)) : resolve()));
  });
}
