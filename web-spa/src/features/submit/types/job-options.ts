// The `options` object of a submission. The Api takes it as free JSON (its document says only "an object") and checks
// it itself, so this is the SPA's side of it: what the form can set.
export interface JobOptions {
  capture?: {
    fullPage?: boolean;
    wait?: 'load' | 'networkidle' | 'selector';
    selector?: string;
    timeoutMs?: number;
  };
  [format: string]: unknown;
}
