import Link from 'next/link';
import { shortId } from './format.ts';

/** A miner's copy suspicion: the reason, and each round it was found copying in, linked. */
export function SuspicionBadge({
  suspicion,
}: {
  suspicion: { reason: 'copy' | 'relay'; rounds: string[] } | null;
}) {
  if (!suspicion) return null;
  return (
    <div className="flag" data-testid="suspicion">
      <span
        className={`status status-${suspicion.reason}`}
        title={
          suspicion.reason === 'relay'
            ? 'Answered after another miner with the same long text in every round below'
            : 'In a group of near-identical long answers in the rounds below'
        }
      >
        {suspicion.reason === 'relay' ? 'suspected relay' : 'suspected copy'}
      </span>{' '}
      <span className="muted">
        in{' '}
        {suspicion.rounds.map((roundId, i) => (
          <span key={roundId}>
            {i > 0 ? ', ' : ''}
            <Link href={`/rounds/${roundId}`}>{shortId(roundId)}</Link>
          </span>
        ))}
      </span>
    </div>
  );
}

/** Miners sharing a wallet with this one (the group id says what they share). */
export function SybilGroupBadge({ group }: { group: { id: string; members: string[] } | null }) {
  if (!group) return null;
  return (
    <div className="flag" data-testid="sybil-group">
      <span className="status status-sybil" title={`Miners sharing ${group.id}`}>
        Sybil group
      </span>{' '}
      <span className="muted">
        {group.id}: {group.members.join(', ')}
      </span>
    </div>
  );
}
