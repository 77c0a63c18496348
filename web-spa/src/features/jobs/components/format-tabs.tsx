import { useSearchParams } from 'react-router';
import { Tabs } from '@/components/tabs';
import { TaskChip } from '@/components/task-chip';
import { TaskResult } from '@/features/jobs/components/task-result';
import type { LiveJob } from '@/lib/job-state';

interface FormatTabsProps {
  job: LiveJob;
  outputs: Record<string, string>;
}

/** A tab per requested format; the selected one is in the URL (?format=pdf) so it can be linked to. */
export function FormatTabs({ job, outputs }: FormatTabsProps) {
  const [searchParams, setSearchParams] = useSearchParams();
  if (job.tasks.length === 0) return null;
  const requested = searchParams.get('format');
  const selected = job.tasks.find((task) => task.format === requested) ?? job.tasks.find((task) => task.state === 'completed') ?? job.tasks[0];

  return (
    <Tabs
      label="Outputs"
      idPrefix="format"
      items={job.tasks.map((task) => ({ id: task.format, label: <TaskChip format={task.format} state={task.state} /> }))}
      selected={selected.format}
      onSelect={(format) =>
        setSearchParams(
          (params) => {
            params.set('format', format);
            return params;
          },
          { replace: true },
        )
      }
    >
      <TaskResult key={selected.format} job={job} task={selected} streamed={outputs[selected.format]} />
    </Tabs>
  );
}
