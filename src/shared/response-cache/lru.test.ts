import { ByteLru } from './lru';

describe('a byte-capped LRU', () => {
  it('drops the least recently used entries once the bytes pass the cap', () => {
    const lru = new ByteLru<string>(10);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    expect(lru.get('a')).toBe('A'); // a is now the newest
    lru.set('c', 'C', 4);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('A');
    expect(lru.get('c')).toBe('C');
    expect(lru.bytes).toBe(8);
  });

  it('never keeps a value larger than the cap, and counts replaced and resized entries once', () => {
    const lru = new ByteLru<string>(10);
    expect(lru.set('big', 'X', 11)).toBe(false);
    expect(lru.size).toBe(0);
    lru.set('a', 'A', 3);
    lru.set('a', 'A2', 5);
    expect(lru.bytes).toBe(5);
    lru.set('b', 'B', 2);
    lru.resize('a', 9);
    // a grew past the cap with b: the older of the two (a was set first) goes.
    expect(lru.bytes).toBeLessThanOrEqual(10);
    lru.prune((key) => key === 'b');
    expect(lru.get('b')).toBeUndefined();
  });
});
