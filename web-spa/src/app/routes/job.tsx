import { useParams } from 'react-router';
import { JobDetails } from '@/features/jobs/components/job-details';

// Loaded on demand: the result viewers (Markdown rendering above all) are the heaviest part of the app.
export default function JobRoute() {
  const { jobId = '' } = useParams();
  // Keyed by id so moving between jobs starts each page fresh.
  return <JobDetails key={jobId} jobId={jobId} />;
}
