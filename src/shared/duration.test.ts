import { durationInWords, durationParts } from './duration';

describe('durationInWords', () => {
  it('gives years and months for long spans, as the overview says how overdue a response is', () => {
    expect(durationInWords('2022-01-17', '2026-12-02')).toBe('4 years 10 months');
    expect(durationInWords('2022-01-17', '2023-01-17')).toBe('1 year');
    expect(durationInWords('2022-01-17', '2024-02-16')).toBe('2 years');
    expect(durationInWords('2022-01-17', '2024-02-17')).toBe('2 years 1 month');
  });

  it('gives months and days below a year, and days below a month', () => {
    expect(durationInWords('2024-01-10', '2024-04-12')).toBe('3 months 2 days');
    expect(durationInWords('2024-01-10', '2024-02-10')).toBe('1 month');
    expect(durationInWords('2024-01-10', '2024-01-22')).toBe('12 days');
    expect(durationInWords('2024-01-10', '2024-01-11')).toBe('1 day');
    expect(durationInWords('2024-01-10', '2024-01-10')).toBe('0 days');
  });

  it('counts a month from the 31st to the end of a shorter month, and across leap days', () => {
    expect(durationParts('2024-01-31', '2024-02-29')).toEqual({ years: 0, months: 1, days: 0 });
    expect(durationParts('2024-01-31', '2024-02-28')).toEqual({ years: 0, months: 0, days: 28 });
    expect(durationParts('2024-02-29', '2025-02-28')).toEqual({ years: 1, months: 0, days: 0 });
  });

  it('reads the same whichever date comes first', () => {
    expect(durationInWords('2026-12-02', '2022-01-17')).toBe('4 years 10 months');
  });
});
