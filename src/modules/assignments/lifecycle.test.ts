/** Every status × every event: the allowed transitions of DOMAIN.md, and a refusal for the rest. */
import { ASSIGNMENT_STATUSES, type AssignmentStatus } from '../../db/tables';
import { IllegalTransitionError, nextState, type LifecycleEvent } from './lifecycle';

const EVENTS: Record<string, LifecycleEvent> = {
  'respond accepted': { kind: 'respond', stance: 'accepted' },
  'respond partially': { kind: 'respond', stance: 'partially_accepted' },
  'respond not accepted': { kind: 'respond', stance: 'not_accepted' },
  'claim complete': { kind: 'claim_complete' },
  'return ordinary update': { kind: 'return_update', claimedComplete: false },
  'return complete update': { kind: 'return_update', claimedComplete: true },
  'verify with accepted complete': { kind: 'verify', hasAcceptedComplete: true },
  'verify without': { kind: 'verify', hasAcceptedComplete: false },
  close: { kind: 'close', reason: 'overtaken_by_events' },
  reopen: { kind: 'reopen' },
};

// The expected next status, or null for a refusal.
const TABLE: Record<AssignmentStatus, Record<string, AssignmentStatus | null>> = {
  awaiting_response: {
    'respond accepted': 'in_progress',
    'respond partially': 'in_progress',
    'respond not accepted': 'awaiting_response',
    'claim complete': null,
    'return ordinary update': 'awaiting_response',
    'return complete update': 'awaiting_response',
    'verify with accepted complete': null,
    'verify without': null,
    close: 'closed',
    reopen: null,
  },
  in_progress: {
    'respond accepted': 'in_progress',
    'respond partially': 'in_progress',
    'respond not accepted': 'in_progress',
    'claim complete': 'awaiting_verification',
    'return ordinary update': 'in_progress',
    'return complete update': 'in_progress',
    'verify with accepted complete': null,
    'verify without': null,
    close: 'closed',
    reopen: null,
  },
  awaiting_verification: {
    'respond accepted': 'awaiting_verification',
    'respond partially': 'awaiting_verification',
    'respond not accepted': 'awaiting_verification',
    'claim complete': null,
    'return ordinary update': 'awaiting_verification',
    'return complete update': 'in_progress',
    'verify with accepted complete': 'implemented',
    'verify without': null,
    close: 'closed',
    reopen: null,
  },
  implemented: {
    'respond accepted': 'implemented',
    'respond partially': 'implemented',
    'respond not accepted': 'implemented',
    'claim complete': null,
    'return ordinary update': 'implemented',
    'return complete update': 'implemented',
    'verify with accepted complete': null,
    'verify without': null,
    close: null,
    reopen: 'in_progress',
  },
  closed: {
    'respond accepted': null,
    'respond partially': null,
    'respond not accepted': null,
    'claim complete': null,
    'return ordinary update': null,
    'return complete update': null,
    'verify with accepted complete': null,
    'verify without': null,
    close: null,
    reopen: null,
  },
};

describe('the life of an assignment', () => {
  const cases = ASSIGNMENT_STATUSES.flatMap((status) =>
    Object.keys(EVENTS).map((event) => [status, event, TABLE[status][event]] as const),
  );

  it('has an expectation for every status and event', () => {
    expect(cases).toHaveLength(ASSIGNMENT_STATUSES.length * Object.keys(EVENTS).length);
    for (const [, , expected] of cases) expect(expected).not.toBeUndefined();
  });

  it.each(cases)('%s + %s → %s', (status, event, expected) => {
    if (expected === null) {
      expect(() => nextState(status, EVENTS[event]!)).toThrow(IllegalTransitionError);
      try {
        nextState(status, EVENTS[event]!);
      } catch (err) {
        expect((err as IllegalTransitionError).status).toBe(409);
        expect((err as Error).message.length).toBeGreaterThan(20);
      }
    } else {
      const next = nextState(status, EVENTS[event]!);
      expect(next.status).toBe(expected);
      expect(next.closureReason).toBe(expected === 'closed' ? 'overtaken_by_events' : null);
    }
  });
});
