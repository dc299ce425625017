/**
 * The POST side of a form page: save, then redirect (303 See Other) to the address the save gives;
 * when the save fails with something the person can put right (field errors), show the form again
 * instead. Anything else goes on to the error handler.
 */
import { ConflictError, ValidationError, type FieldError } from './errors';

export interface FormProblem {
  status: number;
  errors: FieldError[];
  /** A refusal of the whole request (a 409 such as an illegal status change), in words to show. */
  refusal?: string;
}

/** Field errors (400) and conflicts that name a field, such as a slug already in use (409). */
export function formProblem(err: unknown): FormProblem | null {
  if (err instanceof ValidationError) return { status: 400, errors: err.errors };
  if (err instanceof ConflictError && err.errors.length) return { status: 409, errors: err.errors };
  return null;
}

/** Field errors (400) only: a conflict goes to the error page. */
export function validationProblem(err: unknown): FormProblem | null {
  return err instanceof ValidationError ? { status: 400, errors: err.errors } : null;
}

/** Field errors (400), and any conflict (409) with its message, to show on the form as a refusal. */
export function refusalProblem(err: unknown): FormProblem | null {
  if (err instanceof ValidationError) return { status: 400, errors: err.errors };
  if (err instanceof ConflictError)
    return { status: 409, errors: err.errors, refusal: err.message };
  return null;
}

/**
 * Usage: `await submitForm(res, async () => { await save(); return nextUrl; }, (problem) =>
 * renderForm(problem.status, typedValues, problem.errors))`.
 */
export async function submitForm(
  res: { redirect(status: number, url: string): void },
  save: () => Promise<string>,
  reshow: (problem: FormProblem) => Promise<void>,
  recognise: (err: unknown) => FormProblem | null = formProblem,
): Promise<void> {
  let location: string;
  try {
    location = await save();
  } catch (err) {
    const problem = recognise(err);
    if (!problem) throw err;
    await reshow(problem);
    return;
  }
  res.redirect(303, location);
}
