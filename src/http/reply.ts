import type { FastifyReply } from 'fastify';
import type { Delivery, Entry } from '../domain/types.js';
import type { FieldsFormat } from './wire/fields.js';
import { messageListJson } from './wire/message-json.js';

/** What fastify sets on a serialized JSON answer. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Answers `{messages}` (with `acknowledged` after an ack-and-read) as JSON text written straight from the core's entries (wire/message-json.ts). */
export function sendMessageList(reply: FastifyReply, entries: readonly (Entry | Delivery)[], format: FieldsFormat, acknowledged?: number): FastifyReply {
  const json = messageListJson(entries, format);
  return reply.type(JSON_CONTENT_TYPE).send(acknowledged === undefined ? json : `${json.slice(0, -1)},"acknowledged":${acknowledged}}`);
}

/** Answers JSON text already written by a wire writer. */
export function sendJsonText(reply: FastifyReply, json: string): FastifyReply {
  return reply.type(JSON_CONTENT_TYPE).send(json);
}
