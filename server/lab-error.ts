/** A request the lab can't carry out, with the HTTP status the API answers and the field at fault. */
export class LabError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
