import { pagination, statusTag } from './register.view-model';

describe('pagination', () => {
  const href = (n: number) => `/p/${n}`;

  it('is absent when everything fits on one page', () => {
    expect(pagination(1, 1, href)).toBeNull();
  });

  it('shows first, last and the neighbours of the current page, with gaps marked', () => {
    const result = pagination(5, 9, href)!;
    expect(
      result.items.map((i) => (i.ellipsis ? '…' : i.current ? `[${i.number}]` : String(i.number))),
    ).toEqual(['1', '…', '4', '[5]', '6', '…', '9']);
    expect(result.previous).toEqual({ href: '/p/4' });
    expect(result.next).toEqual({ href: '/p/6' });
  });

  it('has no previous link on the first page and no next link on the last', () => {
    expect(pagination(1, 3, href)!.previous).toBeNull();
    expect(pagination(3, 3, href)!.next).toBeNull();
    expect(pagination(2, 3, href)!.items.some((i) => i.ellipsis)).toBe(false);
  });
});

describe('status tags', () => {
  it('name the closure reason in words, not colour alone', () => {
    expect(statusTag('closed', 'overtaken_by_events')).toEqual({
      text: 'Closed: overtaken by events',
      classes: 'govuk-tag--grey',
    });
    expect(statusTag('awaiting_response')).toEqual({
      text: 'Awaiting response',
      classes: 'govuk-tag--yellow',
    });
  });
});
