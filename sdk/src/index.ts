export { createClient, messagesOf, parseRetryAfter, ProblemError, toProblemError, unwrap } from './client.js';
export type { ClientOptions, Fields, FieldsFormat, Message, Problem, ProblemCode, StreamgateClient } from './client.js';
export { consume } from './consume.js';
export type { ConsumeOptions } from './consume.js';
export { subscribe } from './subscribe.js';
export type { EventSourceFactory, EventSourceLike, SubscribeOptions, Subscription } from './subscribe.js';
export type { BackoffOptions } from './backoff.js';
export type { components, operations, paths } from './schema.js';
