/** `1 socket`, `3 sockets`, `2 publishes`: how every count the lab shows is written. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
