// A tiny store for transient messages (refusals, failures, confirmations); the Toaster renders it.
import { describeError } from '@/lib/api-client';

export type ToastTone = 'info' | 'success' | 'warning' | 'error';

export interface Toast {
  id: number;
  tone: ToastTone;
  title: string;
  message?: string;
}

type Listener = () => void;

const maxToasts = 4;
let toasts: readonly Toast[] = [];
let nextId = 1;
const listeners = new Set<Listener>();
const timers = new Map<number, ReturnType<typeof setTimeout>>();

function emit() {
  listeners.forEach((listener) => listener());
}

export function dismissToast(id: number): void {
  const timer = timers.get(id);
  if (timer) clearTimeout(timer);
  timers.delete(id);
  toasts = toasts.filter((toast) => toast.id !== id);
  emit();
}

/** Errors stay until dismissed (they must never be lost); the rest fade after a few seconds. */
export function showToast(toast: Omit<Toast, 'id'> & { durationMs?: number }): number {
  const id = nextId++;
  const { durationMs, ...rest } = toast;
  toasts = [...toasts, { ...rest, id }];
  while (toasts.length > maxToasts) dismissToast(toasts[0].id);
  const duration = durationMs ?? (toast.tone === 'error' ? 0 : 6_000);
  if (duration > 0) timers.set(id, setTimeout(() => dismissToast(id), duration));
  emit();
  return id;
}

/** The onError of an action the user asked for: says what failed and why (an error toast stays until dismissed). */
export function toastFailure(title: string): (error: unknown) => void {
  return (error) => {
    showToast({ tone: 'error', title, message: describeError(error) });
  };
}

export const toastStore = {
  subscribe(listener: Listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  getSnapshot: () => toasts,
};

/** Tests start from an empty store. */
export function clearToasts(): void {
  [...toasts].forEach((toast) => dismissToast(toast.id));
}
