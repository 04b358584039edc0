import { describe, expect, test } from 'vitest';
import { queryToken, redactedUrl } from './access-token.js';

describe('redactedUrl', () => {
  test.each([
    ['no query', '/fleet/v1/units', '/fleet/v1/units'],
    ['no token', '/fleet/v1/units?alt=json', '/fleet/v1/units?alt=json'],
    ['the token alone', '/v2/events/stream?access_token=s3cret', '/v2/events/stream?access_token=REDACTED'],
    ['among other parameters', '/v2/health?alt=json&access_token=s3cret&x=1', '/v2/health?alt=json&access_token=REDACTED&x=1'],
    ['twice', '/v2/health?access_token=a&access_token=b', '/v2/health?access_token=REDACTED&access_token=REDACTED'],
    ['an encoded name', '/v2/health?access%5Ftoken=s3cret', '/v2/health?access%5Ftoken=REDACTED'],
    ['another case', '/v2/health?Access_Token=s3cret', '/v2/health?Access_Token=REDACTED'],
    ['without a value', '/v2/health?access_token', '/v2/health?access_token=REDACTED'],
    ['a malformed escape elsewhere', '/v2/health?%zz=1&access_token=s', '/v2/health?%zz=1&access_token=REDACTED'],
    ['a fragment after it', '/v2/health?access_token=s#frag', '/v2/health?access_token=REDACTED#frag'],
    ['a similar name', '/v2/health?my_access_token=s', '/v2/health?my_access_token=s'],
  ])('%s', (_name, raw, expected) => {
    expect(redactedUrl(raw)).toBe(expected);
  });
});

describe('queryToken', () => {
  test.each([
    ['the event stream (EventSource sends no header)', 'http://h/v2/events/stream?access_token=t', 't'],
    ['health', 'http://h/v2/health?access_token=t', null],
    ['metrics', 'http://h/metrics?access_token=t', null],
    ['API v1', 'http://h/fleet/v1/units?access_token=t', null],
    ['the stream without one', 'http://h/v2/events/stream', null],
  ])('%s', (_name, url, expected) => {
    expect(queryToken(new URL(url))).toBe(expected);
  });
});
