import { formatDate } from './format-date';

describe('formatDate', () => {
  it('writes a calendar date in full, or short when asked', () => {
    expect(formatDate('2022-01-17')).toBe('17 January 2022');
    expect(formatDate('2022-09-17', 'short')).toBe('17 Sept 2022');
  });

  it('writes an instant as its day in London, not in UTC', () => {
    // 23:30 UTC on 30 June is already 1 July in London (summer time).
    expect(formatDate(new Date('2024-06-30T23:30:00Z'))).toBe('1 July 2024');
    expect(formatDate(new Date('2024-12-31T23:30:00Z'))).toBe('31 December 2024');
  });

  it('writes nothing for a missing or impossible value', () => {
    expect(formatDate(null)).toBe('');
    expect(formatDate(undefined)).toBe('');
    expect(formatDate('2022-02-31')).toBe('');
    expect(formatDate(new Date('not a date'))).toBe('');
  });
});
