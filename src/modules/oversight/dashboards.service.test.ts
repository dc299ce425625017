import { londonMidnight } from '../../shared/calendar-date';

describe('londonMidnight', () => {
  it('is UTC midnight in winter and 23:00 UTC the day before in summer', () => {
    expect(londonMidnight('2024-01-15').toISOString()).toBe('2024-01-15T00:00:00.000Z');
    expect(londonMidnight('2024-06-15').toISOString()).toBe('2024-06-14T23:00:00.000Z');
  });

  it('follows the clock changes', () => {
    // Clocks go forward at 01:00 UTC on 31 March 2024 and back at 01:00 UTC on 27 October 2024.
    expect(londonMidnight('2024-03-31').toISOString()).toBe('2024-03-31T00:00:00.000Z');
    expect(londonMidnight('2024-04-01').toISOString()).toBe('2024-03-31T23:00:00.000Z');
    expect(londonMidnight('2024-10-27').toISOString()).toBe('2024-10-26T23:00:00.000Z');
    expect(londonMidnight('2024-10-28').toISOString()).toBe('2024-10-28T00:00:00.000Z');
  });
});
