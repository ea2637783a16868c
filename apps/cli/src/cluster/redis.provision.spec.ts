import { describe, expect, it } from 'vitest';
import { freePort } from './ports';
import { pingRedis } from './redis.provision';

describe('pingRedis', () => {
  it('answers true for the Redis of the test run', async () => {
    expect(await pingRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')).toBe(true);
  });

  it('answers false for a closed port and a bad URL', async () => {
    expect(await pingRedis(`redis://127.0.0.1:${await freePort()}`)).toBe(false);
    expect(await pingRedis('not a url')).toBe(false);
  });

  it('answers false when the credentials are refused', async () => {
    const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    url.username = 'nobody';
    url.password = 'wrong';
    expect(await pingRedis(url.toString())).toBe(false);
  });
});
