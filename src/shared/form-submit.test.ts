import { ConflictError, NotFoundError, ValidationError } from './errors';
import { submitForm, validationProblem, type FormProblem } from './form-submit';

function fakeResponse() {
  const redirects: [number, string][] = [];
  return {
    redirects,
    redirect: (status: number, url: string) => void redirects.push([status, url]),
  };
}

/** A save that fails with `error`. */
const failWith = (error: Error) => async (): Promise<string> => {
  throw error;
};

describe('submitting a form', () => {
  const fieldError = { field: 'slug', message: 'That slug is already in use' };

  it('redirects with 303 to the address the save returns, and shows no form', async () => {
    const res = fakeResponse();
    const shown: FormProblem[] = [];
    await submitForm(
      res,
      async () => '/next',
      async (p) => void shown.push(p),
    );
    expect(res.redirects).toEqual([[303, '/next']]);
    expect(shown).toEqual([]);
  });

  it('shows the form again with 400 and the field errors when the input is not valid', async () => {
    const res = fakeResponse();
    const shown: FormProblem[] = [];
    await submitForm(
      res,
      failWith(new ValidationError([fieldError])),
      async (p) => void shown.push(p),
    );
    expect(shown).toEqual([{ status: 400, errors: [fieldError] }]);
    expect(res.redirects).toEqual([]);
  });

  it('shows the form again with 409 for a conflict that names a field', async () => {
    const res = fakeResponse();
    const shown: FormProblem[] = [];
    await submitForm(
      res,
      failWith(new ConflictError('Taken', [fieldError])),
      async (p) => void shown.push(p),
    );
    expect(shown).toEqual([{ status: 409, errors: [fieldError] }]);
  });

  it.each([
    ['a conflict that names no field', new ConflictError('Already withdrawn')],
    ['a missing record', new NotFoundError('No such report')],
  ])('passes %s on to the error handler', async (_name, error) => {
    const res = fakeResponse();
    const reshow = jest.fn();
    await expect(submitForm(res, failWith(error), reshow)).rejects.toBe(error);
    expect(reshow).not.toHaveBeenCalled();
    expect(res.redirects).toEqual([]);
  });

  it('with validationProblem, passes even a conflict naming a field on to the error handler', async () => {
    const error = new ConflictError('Taken', [fieldError]);
    const reshow = jest.fn();
    await expect(
      submitForm(fakeResponse(), failWith(error), reshow, validationProblem),
    ).rejects.toBe(error);
    expect(reshow).not.toHaveBeenCalled();
  });
});
