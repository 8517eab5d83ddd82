/**
 * The page's classroom pieces load only when the lab has a class: the QR code's encoder and the
 * vote chart stay out of the page a lab without one loads.
 */
let parts: Promise<typeof import('./classroom-index.ts')> | null = null;

export function classroomParts() {
  return (parts ??= import('./classroom-index.ts'));
}
