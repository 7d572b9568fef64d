import { streamError } from './errors.js';
import { DELIVERY_POLICY_MAX_MS, MAX_DELIVERIES_LIMIT, RETRY_BACKOFF_MAX_STEPS, type DeliveryPolicy } from './types.js';

/**
 * The one check of a delivery policy, shared by the routes and both backends: VALIDATION for
 * maxDeliveries < 1, only one of maxDeliveries / deadLetterStream, a dead-letter stream equal to
 * `stream`, times outside their range. Answers the policy with only its set fields (a copy), or
 * null when none is set (`{}` is no policy).
 */
export function validateDeliveryPolicy(stream: string, policy: DeliveryPolicy): DeliveryPolicy | null {
  const checked: DeliveryPolicy = {};
  if (policy.ackDeadlineMs !== undefined) checked.ackDeadlineMs = checkTime('ackDeadlineMs', policy.ackDeadlineMs, 1);
  if ((policy.maxDeliveries === undefined) !== (policy.deadLetterStream === undefined)) throw streamError('VALIDATION', 'deadLetterPair');
  if (policy.maxDeliveries !== undefined) {
    if (!Number.isSafeInteger(policy.maxDeliveries) || policy.maxDeliveries < 1 || policy.maxDeliveries > MAX_DELIVERIES_LIMIT) {
      throw streamError('VALIDATION', 'maxDeliveriesPositive', MAX_DELIVERIES_LIMIT);
    }
    checked.maxDeliveries = policy.maxDeliveries;
  }
  if (policy.deadLetterStream !== undefined) {
    if (typeof policy.deadLetterStream !== 'string' || policy.deadLetterStream === '') throw streamError('VALIDATION', 'deadLetterName');
    if (policy.deadLetterStream === stream) throw streamError('VALIDATION', 'deadLetterIsStream', stream);
    checked.deadLetterStream = policy.deadLetterStream;
  }
  if (policy.retryBackoffMs !== undefined) {
    if (!Array.isArray(policy.retryBackoffMs) || policy.retryBackoffMs.length > RETRY_BACKOFF_MAX_STEPS) {
      throw streamError('VALIDATION', 'backoffSteps', RETRY_BACKOFF_MAX_STEPS);
    }
    checked.retryBackoffMs = policy.retryBackoffMs.map((delay) => checkTime('retryBackoffMs[]', delay, 0));
  }
  if (policy.consumerIdleTimeoutMs !== undefined) checked.consumerIdleTimeoutMs = checkTime('consumerIdleTimeoutMs', policy.consumerIdleTimeoutMs, 1);
  return Object.keys(checked).length === 0 ? null : checked;
}

/** VALIDATION unless `ms` is an integer in min..DELIVERY_POLICY_MAX_MS (nack delayMs: min 0; extend ms: min 1). */
export function checkTime(name: string, ms: number, min: number): number {
  if (!Number.isSafeInteger(ms) || ms < min || ms > DELIVERY_POLICY_MAX_MS) throw streamError('VALIDATION', 'policyTime', name, min, DELIVERY_POLICY_MAX_MS);
  return ms;
}

/** The delay of a nack without delayMs for an entry delivered `deliveryCount` times: retryBackoffMs[n-1], the last repeating, 0 without a list. */
export function retryDelayMs(policy: DeliveryPolicy, deliveryCount: number): number {
  const steps = policy.retryBackoffMs;
  if (steps === undefined || steps.length === 0) return 0;
  return steps[Math.min(Math.max(deliveryCount, 1), steps.length) - 1]!;
}
