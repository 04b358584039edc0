/**
 * fleet's page tokens (`api/pagination.go`): URL-safe base64, with padding, of 4 bytes: little-endian uint16
 * limit, uint16 page (1-based). Limit 100: page 1 `ZAABAA==`, page 2 `ZAACAA==`. A token comes back whenever
 * the page was full, so a total that is a multiple of the limit ends with one empty page, exactly as fleet did. Pure.
 */
import { badRequest } from './http-errors.js';

export const PAGE_LIMIT = 100;

export interface PageToken {
  limit: number;
  page: number;
}

export function encodePageToken(token: PageToken): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt16LE(token.limit, 0);
  bytes.writeUInt16LE(token.page, 2);
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** `values` are every `nextPageToken` query value; none means page 1. Throws 400 with fleet's messages. */
export function decodePageToken(values: readonly string[], limit = PAGE_LIMIT): PageToken {
  if (values.length === 0) return { limit, page: 1 };
  if (values.length > 1) throw badRequest('too many values for page token');
  const text = values[0] as string;
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw badRequest(`illegal base64 data at input byte ${firstBadByte(text)}`);
  }
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < 4) throw badRequest('unexpected EOF');
  const token = { limit: bytes.readUInt16LE(0), page: bytes.readUInt16LE(2) };
  if (token.limit !== limit) throw badRequest(`token limit must be ${limit}`);
  if (token.page === 0) throw badRequest('token page must be greater than zero');
  return token;
}

function firstBadByte(text: string): number {
  const bad = text.search(/[^A-Za-z0-9_=-]/);
  return bad >= 0 ? bad : Math.max(0, text.length - (text.length % 4));
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export function pageOf<T>(items: readonly T[], token: PageToken): Page<T> {
  const start = (token.page - 1) * token.limit;
  const stop = start + token.limit;
  const page: Page<T> = { items: items.slice(start, stop) };
  if (stop <= items.length) page.nextPageToken = encodePageToken({ limit: token.limit, page: token.page + 1 });
  return page;
}
