import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SlowModeError } from './slow-mode.error';

/**
 * A member's slow-mode slot: their membership's `last_sent_at`. A send claims it with one conditional UPDATE (only
 * when the last counted send is at least the interval old), so two concurrent sends, on any nodes, cannot both
 * pass: the second waits for the first's row lock and then finds the slot taken.
 */
@Injectable()
export class SlowModeSlots {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Claims the slot, or throws 429 `SLOW_MODE` with the seconds left until it frees. */
  async claim(roomId: string, userId: string, intervalSeconds: number): Promise<void> {
    // The subquery reads the row as it was before the UPDATE (one snapshot per statement): the time left.
    const [row]: Array<{ claimed: number; wait: number | null }> = await this.dataSource.query(
      `WITH claimed AS (
         UPDATE chat_room_members SET last_sent_at = now()
         WHERE room_id = $1 AND user_id = $2 AND (last_sent_at IS NULL OR last_sent_at <= now() - make_interval(secs => $3::int))
         RETURNING user_id
       )
       SELECT (SELECT count(*) FROM claimed)::int AS claimed,
              (SELECT GREATEST(1, ceil(extract(epoch FROM last_sent_at + make_interval(secs => $3::int) - now())))::int
               FROM chat_room_members WHERE room_id = $1 AND user_id = $2) AS wait`,
      [roomId, userId, intervalSeconds],
    );
    if (row.claimed === 0) throw new SlowModeError(row.wait ?? intervalSeconds);
  }
}
