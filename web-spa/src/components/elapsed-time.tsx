import { useNow } from '@/hooks/use-now';
import { formatDuration } from '@/utils/format';

interface ElapsedTimeProps {
  from: string | null | undefined;
  to?: string | null;
}

/** Time since `from` (until `to` when the job has finished); ticks once a second while open. */
export function ElapsedTime({ from, to }: ElapsedTimeProps) {
  if (!from) return null;
  return to ? <FixedElapsed from={from} to={to} /> : <LiveElapsed from={from} />;
}

function FixedElapsed({ from, to }: { from: string; to: string }) {
  return <time dateTime={`PT${Math.round((Date.parse(to) - Date.parse(from)) / 1000)}S`}>{formatDuration(Date.parse(to) - Date.parse(from))}</time>;
}

function LiveElapsed({ from }: { from: string }) {
  const now = useNow();
  const ms = now - Date.parse(from);
  return <time dateTime={`PT${Math.max(0, Math.round(ms / 1000))}S`}>{formatDuration(ms)}</time>;
}
