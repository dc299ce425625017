import { dateBoxes } from './view-helpers/date-boxes';
import { boxesAtFault, parseDateInput, partsOf, readDateFields } from './date-input';
import { errorSummary } from './form-errors';

const rules = { label: 'Date made' };
const parse = (day: string, month: string, year: string, extra = {}) =>
  parseDateInput({ day, month, year }, { ...rules, ...extra });

describe('the three-field date input', () => {
  it('reads a real date, with or without leading zeros, and month names', () => {
    expect(parse('23', '11', '2021')).toEqual({ kind: 'date', date: '2021-11-23' });
    expect(parse('03', '02', '2022')).toEqual({ kind: 'date', date: '2022-02-03' });
    expect(parse(' 3 ', 'Feb', '2022')).toEqual({ kind: 'date', date: '2022-02-03' });
    expect(parse('3', 'september', '2022')).toEqual({ kind: 'date', date: '2022-09-03' });
    expect(parse('29', '2', '2024')).toEqual({ kind: 'date', date: '2024-02-29' });
  });

  it('says 31 February is not a real date, and marks the day', () => {
    expect(parse('31', '2', '2024')).toEqual({
      kind: 'error',
      message: 'Date made must be a real date',
      parts: ['day'],
    });
    expect(parse('29', '2', '2023')).toMatchObject({ message: 'Date made must be a real date' });
    expect(parse('1', '13', '2023')).toEqual({
      kind: 'error',
      message: 'Date made must be a real date',
      parts: ['month'],
    });
  });

  it('names what is missing: a blank day, or more than one box', () => {
    expect(parse('', '2', '2024')).toEqual({
      kind: 'error',
      message: 'Date made must include a day',
      parts: ['day'],
    });
    expect(parse('', '', '2024')).toEqual({
      kind: 'error',
      message: 'Date made must include a day and month',
      parts: ['day', 'month'],
    });
    expect(parse('4', '', '')).toMatchObject({
      message: 'Date made must include a month and year',
    });
  });

  it('says letters are not a real date, marking only the boxes with letters', () => {
    expect(parse('ab', '2', '2024')).toEqual({
      kind: 'error',
      message: 'Date made must be a real date',
      parts: ['day'],
    });
    expect(parse('1', 'Smarch', 'twenty')).toEqual({
      kind: 'error',
      message: 'Date made must be a real date',
      parts: ['month', 'year'],
    });
  });

  it('asks for four numbers in the year, and keeps to the allowed range', () => {
    expect(parse('1', '2', '24')).toEqual({
      kind: 'error',
      message: 'Year must include 4 numbers',
      parts: ['year'],
    });
    expect(parse('2', '12', '2026', { notAfter: '2026-12-01' })).toMatchObject({
      message: 'Date made must be today or in the past',
    });
    expect(parse('1', '1', '2020', { notBefore: '2021-11-23' })).toMatchObject({
      message: 'Date made must be the same as or after 23 November 2021',
    });
  });

  it('is empty when left blank, unless required', () => {
    expect(parse('', '', '')).toEqual({ kind: 'empty' });
    expect(parse(' ', '', '', { required: true })).toEqual({
      kind: 'error',
      message: 'Enter date made',
      parts: ['day', 'month', 'year'],
    });
  });

  it('turns a form body into one value per date, keeping what was typed when it is wrong', () => {
    const read = readDateFields(
      {
        'madeOn-day': '31',
        'madeOn-month': '2',
        'madeOn-year': '2024',
        title: 'x',
        dueOn: '2024-01-01',
      },
      [
        { name: 'madeOn', label: 'Date made' },
        { name: 'dueOn', label: 'Due date' },
      ],
    );
    expect(read.body).toEqual({ madeOn: '2024-2-31', title: 'x', dueOn: '2024-01-01' });
    expect(read.errors).toEqual([{ field: 'madeOn', message: 'Date made must be a real date' }]);
    expect(read.errorParts).toEqual({ madeOn: { day: true } });
    expect(partsOf(read.body.madeOn)).toEqual({ day: '31', month: '2', year: '2024' });
    expect(partsOf('2024-03-05')).toEqual({ day: '5', month: '3', year: '2024' });
  });

  it('names the first box at fault, so the error summary links to it (the day box has the field’s id)', () => {
    const read = readDateFields(
      {
        'fromOn-day': '',
        'fromOn-month': '',
        'fromOn-year': '2022',
        'toOn-day': '3',
        'toOn-month': 'Smarch',
        'toOn-year': '22',
        'dueOn-day': '',
        'dueOn-month': '4',
        'dueOn-year': '2022',
      },
      [
        { name: 'fromOn', label: 'From' },
        { name: 'toOn', label: 'To' },
        { name: 'dueOn', label: 'Due' },
      ],
    );
    expect(read.errors).toEqual([
      { field: 'fromOn', message: 'From must include a day and month' },
      { field: 'toOn', message: 'To must be a real date', box: 'month' },
      { field: 'dueOn', message: 'Due must include a day' },
    ]);
    expect(errorSummary(read.errors).errorList.map((e) => e.href)).toEqual([
      '#fromOn',
      '#toOn-month',
      '#dueOn',
    ]);
  });

  it('marks again, from what was typed, the boxes at fault; all three when the date itself was refused', () => {
    expect(boxesAtFault({ day: '31', month: '2', year: '2024' })).toEqual(['day']);
    expect(boxesAtFault({ day: '', month: 'x', year: '2024' })).toEqual(['day']);
    expect(boxesAtFault({ day: '1', month: 'x', year: '20' })).toEqual(['month']);
    // Left empty when needed, or a real date out of the form's range.
    expect(boxesAtFault({ day: '', month: '', year: '' })).toEqual(['day', 'month', 'year']);
    expect(boxesAtFault({ day: '2', month: '3', year: '2030' })).toEqual(['day', 'month', 'year']);
  });

  it('gives the partial its boxes: ids from the day box’s, names from the field’s, values kept', () => {
    const boxes = dateBoxes('toOn', 'pause-toOn', '2022-Smarch-3', 'To must be a real date');
    expect(boxes).toEqual([
      { id: 'pause-toOn', name: 'toOn-day', label: 'Day', width: 2, value: '3', invalid: false },
      {
        id: 'pause-toOn-month',
        name: 'toOn-month',
        label: 'Month',
        width: 2,
        value: 'Smarch',
        invalid: true,
      },
      {
        id: 'pause-toOn-year',
        name: 'toOn-year',
        label: 'Year',
        width: 4,
        value: '2022',
        invalid: false,
      },
    ]);
    // No error: nothing marked; a stored date shown without leading zeros; the id defaults to the name.
    expect(dateBoxes('madeOn', undefined, '2021-11-03', undefined)).toEqual([
      expect.objectContaining({ id: 'madeOn', value: '3', invalid: false }),
      expect.objectContaining({ id: 'madeOn-month', value: '11', invalid: false }),
      expect.objectContaining({ id: 'madeOn-year', value: '2021', invalid: false }),
    ]);
    expect(
      dateBoxes('madeOn', '', '2021-11-03', 'Date made must be today or in the past').map(
        (b) => b.invalid,
      ),
    ).toEqual([true, true, true]);
  });
});
