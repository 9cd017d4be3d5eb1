import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MessageWriteMentions1795360000002 } from './1795360000002-message-write-mentions';

/**
 * `chat_write_messages` with the send rules of moderation and blocks (issue 14). Same as
 * MessageWriteMentions1795360000002, plus, under the rooms' locks and after membership and clientId:
 * - `silenced`: the sender's `silenced_until` is in the future;
 * - `frozen`: the room is frozen and the sender is neither its owner nor an admin;
 * - `blocked`: a direct room whose other member blocked the sender;
 * - `slow_mode`: slow mode holds the sender (not owner or admin) and their `last_sent_at` is within the interval, or
 *   they already have a message in this batch; `w_retry_after` (a new column) says how many seconds are left.
 * A written message sets its sender's `last_sent_at`. Checking here, in the batch's one round trip, keeps the send
 * path at one statement per batch instead of queries per send, and makes the slow-mode slot atomic.
 */
export class MessageWriteModeration1795370000500 implements MigrationInterface {
  name = 'MessageWriteModeration1795370000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS chat_write_messages(uuid[], varchar[], text[], uuid[], varchar[], int[], uuid[], int[], varchar[], int, uuid[], boolean)`);
    await queryRunner.query(`
      CREATE FUNCTION chat_write_messages(
        p_room_ids uuid[], p_sender_ids varchar[], p_bodies text[], p_parent_ids uuid[], p_client_ids varchar[],
        p_image_messages int[], p_image_ids uuid[], p_mention_messages int[], p_mention_users varchar[],
        p_lock_wait_ms int, p_nowait_rooms uuid[], p_outbox boolean
      ) RETURNS TABLE (w_ord int, w_outcome text, w_id uuid, w_seq int, w_version int, w_created_at timestamptz, w_retry_after int)
      LANGUAGE plpgsql VOLATILE
      SET lock_timeout = '2s'
      AS $fn$
      #variable_conflict use_column
      DECLARE
        n int := coalesce(array_length(p_room_ids, 1), 0);
        outcomes text[] := array_fill(NULL::text, ARRAY[n]);
        ids uuid[] := array_fill(NULL::uuid, ARRAY[n]);
        seqs int[];
        versions int[];
        base_rooms uuid[] := '{}';
        base_seqs int[] := '{}';
        base_versions int[] := '{}';
        v_locked uuid[];
        v_skipped uuid[];
        v_wait uuid[];
        v_busy uuid[] := '{}';
        v_timeout text;
        v_id uuid;
        v_room uuid;
        v_user varchar;
        v_count int;
        v_seq int;
        v_version int;
        v_images uuid[];
        v_mentions varchar[];
        v_role varchar;
        v_silenced timestamptz;
        v_last_sent timestamptz;
        v_frozen boolean;
        v_slow int;
        v_type varchar;
        v_slot text;
        v_claimed text[] := '{}';
        retry int[] := array_fill(NULL::int, ARRAY[n]);
      BEGIN
        PERFORM 1 FROM chat_images img WHERE img.id = ANY(p_image_ids) ORDER BY img.id FOR SHARE;

        -- Pass 1: the rooms nobody else holds, without waiting.
        v_locked := ARRAY(SELECT room.id FROM chat_rooms room WHERE room.id = ANY(p_room_ids) ORDER BY room.id FOR UPDATE SKIP LOCKED);
        v_skipped := ARRAY(SELECT room.id FROM chat_rooms room WHERE room.id = ANY(p_room_ids) AND room.id <> ALL(v_locked) ORDER BY room.id);

        -- Pass 2: the others, for a bounded time; those still held are busy and left out of this call.
        IF cardinality(v_skipped) > 0 THEN
          v_busy := ARRAY(SELECT r FROM unnest(v_skipped) AS r WHERE r = ANY(coalesce(p_nowait_rooms, '{}')));
          v_wait := ARRAY(SELECT r FROM unnest(v_skipped) AS r WHERE r <> ALL(coalesce(p_nowait_rooms, '{}')) ORDER BY r);
          IF cardinality(v_wait) > 0 AND coalesce(p_lock_wait_ms, 0) > 0 THEN
            v_timeout := current_setting('lock_timeout');
            PERFORM set_config('lock_timeout', p_lock_wait_ms || 'ms', true);
            BEGIN
              PERFORM 1 FROM chat_rooms room WHERE room.id = ANY(v_wait) ORDER BY room.id FOR UPDATE;
            EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
              v_busy := v_busy || v_wait;
            END;
            PERFORM set_config('lock_timeout', v_timeout, true);
          ELSIF cardinality(v_wait) > 0 THEN
            v_busy := v_busy || v_wait;
          END IF;
        END IF;

        FOR i IN 1..n LOOP
          IF p_room_ids[i] = ANY(v_busy) THEN
            outcomes[i] := 'busy';
            CONTINUE;
          END IF;
          SELECT mem.role, mem.silenced_until, mem.last_sent_at, room.frozen, room.slow_mode_seconds, room.type,
            (SELECT msg.id FROM chat_messages msg
             WHERE msg.sender_id = p_sender_ids[i] AND msg.client_id = p_client_ids[i] AND msg.client_id IS NOT NULL)
          INTO v_role, v_silenced, v_last_sent, v_frozen, v_slow, v_type, v_id
          FROM chat_rooms room LEFT JOIN chat_room_members mem ON mem.room_id = room.id AND mem.user_id = p_sender_ids[i]
          WHERE room.id = p_room_ids[i];
          IF v_role IS NULL THEN
            outcomes[i] := 'not_member';
            CONTINUE;
          END IF;
          IF v_id IS NOT NULL THEN
            outcomes[i] := 'duplicate';
            ids[i] := v_id;
            CONTINUE;
          END IF;
          -- The send rules of the access layer (access-rules.ts: sendRefusal, canReach, slowModeApplies), here under
          -- the room's lock, so a silence, a freeze or a block committed before the send holds for it.
          IF v_silenced IS NOT NULL AND v_silenced > now() THEN
            outcomes[i] := 'silenced';
            CONTINUE;
          END IF;
          IF v_frozen AND v_role NOT IN ('owner', 'admin') THEN
            outcomes[i] := 'frozen';
            CONTINUE;
          END IF;
          IF v_type = 'direct' AND EXISTS (
            SELECT 1 FROM chat_room_members other JOIN chat_user_blocks b ON b.blocker_id = other.user_id AND b.blocked_id = p_sender_ids[i]
            WHERE other.room_id = p_room_ids[i] AND other.user_id <> p_sender_ids[i]
          ) THEN
            outcomes[i] := 'blocked';
            CONTINUE;
          END IF;
          IF i = ANY(p_image_messages) THEN
            v_images := ARRAY(SELECT l.image_id FROM unnest(p_image_messages, p_image_ids) AS l(ord, image_id) WHERE l.ord = i);
            SELECT count(*) INTO v_count FROM chat_images img WHERE img.id = ANY(v_images) AND img.uploader_id = p_sender_ids[i];
            IF v_count <> cardinality(v_images) THEN
              outcomes[i] := 'bad_images';
              CONTINUE;
            END IF;
          END IF;
          IF i = ANY(p_mention_messages) THEN
            v_mentions := ARRAY(SELECT l.user_id FROM unnest(p_mention_messages, p_mention_users) AS l(ord, user_id) WHERE l.ord = i);
            SELECT count(*) INTO v_count FROM chat_room_members mem WHERE mem.room_id = p_room_ids[i] AND mem.user_id = ANY(v_mentions);
            IF v_count <> cardinality(v_mentions) THEN
              outcomes[i] := 'bad_mentions';
              CONTINUE;
            END IF;
          END IF;
          -- Slow mode, last: only a message that is written takes the member's slot (one per interval, this batch included).
          IF v_slow > 0 AND v_role NOT IN ('owner', 'admin') THEN
            v_slot := p_room_ids[i] || ' ' || p_sender_ids[i];
            IF v_slot = ANY(v_claimed) THEN
              outcomes[i] := 'slow_mode';
              retry[i] := v_slow;
              CONTINUE;
            END IF;
            IF v_last_sent IS NOT NULL AND v_last_sent > now() - make_interval(secs => v_slow) THEN
              outcomes[i] := 'slow_mode';
              retry[i] := GREATEST(1, ceil(extract(epoch FROM v_last_sent + make_interval(secs => v_slow) - now())))::int;
              CONTINUE;
            END IF;
            v_claimed := v_claimed || v_slot;
          END IF;
          outcomes[i] := 'created';
          ids[i] := gen_random_uuid();
        END LOOP;

        FOR v_room, v_count IN
          SELECT k.room_id, count(*)::int FROM unnest(p_room_ids, outcomes) AS k(room_id, outcome) WHERE k.outcome = 'created' GROUP BY k.room_id
        LOOP
          UPDATE chat_rooms room
          SET last_seq = room.last_seq + v_count, version = room.version + v_count, last_message_at = now(), last_activity_at = now()
          WHERE room.id = v_room
          RETURNING room.last_seq - v_count, room.version - v_count INTO v_seq, v_version;
          base_rooms := base_rooms || v_room;
          base_seqs := base_seqs || v_seq;
          base_versions := base_versions || v_version;
        END LOOP;

        SELECT array_agg(numbered.seq ORDER BY numbered.ord), array_agg(numbered.version ORDER BY numbered.ord) INTO seqs, versions
        FROM (
          SELECT k.ord,
            CASE WHEN k.outcome = 'created' THEN b.seq + row_number() OVER (PARTITION BY k.room_id, k.outcome ORDER BY k.ord) END::int AS seq,
            CASE WHEN k.outcome = 'created' THEN b.version + row_number() OVER (PARTITION BY k.room_id, k.outcome ORDER BY k.ord) END::int AS version
          FROM unnest(p_room_ids, outcomes) WITH ORDINALITY AS k(room_id, outcome, ord)
          LEFT JOIN unnest(base_rooms, base_seqs, base_versions) AS b(room_id, seq, version) ON b.room_id = k.room_id
        ) numbered;

        -- Sending is reading: each sender has seen everything up to their own newest message in the room.
        FOR v_room, v_user, v_seq IN
          SELECT k.room_id, k.sender_id, max(k.seq) FROM unnest(p_room_ids, p_sender_ids, seqs) AS k(room_id, sender_id, seq)
          WHERE k.seq IS NOT NULL GROUP BY k.room_id, k.sender_id
        LOOP
          UPDATE chat_room_members mem
          SET last_read_seq = GREATEST(mem.last_read_seq, v_seq), last_delivered_seq = GREATEST(mem.last_delivered_seq, v_seq), last_sent_at = now()
          WHERE mem.room_id = v_room AND mem.user_id = v_user;
        END LOOP;

        -- A reply changes its parent (replyCount) in the same change: the parent takes the reply's version.
        FOR v_id, v_count, v_version IN
          SELECT k.parent_id, count(*)::int, max(k.version) FROM unnest(p_parent_ids, versions) AS k(parent_id, version)
          WHERE k.parent_id IS NOT NULL AND k.version IS NOT NULL GROUP BY k.parent_id
        LOOP
          UPDATE chat_messages parent SET reply_count = parent.reply_count + v_count, version = v_version WHERE parent.id = v_id;
        END LOOP;

        INSERT INTO chat_messages (id, room_id, seq, sender_id, body, parent_id, client_id, version, mentions)
        SELECT k.id, k.room_id, k.seq, k.sender_id, k.body, k.parent_id, k.client_id, k.version,
          CASE WHEN k.ord = ANY(p_mention_messages) THEN
            ARRAY(SELECT l.user_id FROM unnest(p_mention_messages, p_mention_users) WITH ORDINALITY AS l(ord, user_id, n) WHERE l.ord = k.ord ORDER BY l.n)
          ELSE '{}'::varchar[] END
        FROM unnest(ids, p_room_ids, seqs, p_sender_ids, p_bodies, p_parent_ids, p_client_ids, versions) WITH ORDINALITY
          AS k(id, room_id, seq, sender_id, body, parent_id, client_id, version, ord)
        WHERE k.seq IS NOT NULL
        ORDER BY k.room_id, k.seq;

        -- The notification work of each new message, committed with it (so a node dying right after the commit
        -- loses none of it): one outbox row per message, in seq order per room.
        IF p_outbox THEN
          INSERT INTO chat_outbox (room_id, kind, payload)
          SELECT k.room_id, 'message', jsonb_build_object('messageId', k.id)
          FROM unnest(ids, p_room_ids, seqs) AS k(id, room_id, seq)
          WHERE k.seq IS NOT NULL
          ORDER BY k.room_id, k.seq;
        END IF;

        IF cardinality(p_image_ids) > 0 THEN
          INSERT INTO chat_message_images (message_id, image_id, position)
          SELECT ids[l.ord], l.image_id, (row_number() OVER (PARTITION BY l.ord ORDER BY l.n) - 1)::int
          FROM unnest(p_image_messages, p_image_ids) WITH ORDINALITY AS l(ord, image_id, n)
          WHERE outcomes[l.ord] = 'created';
        END IF;

        RETURN QUERY
        SELECT k.ord::int, k.outcome, k.id, k.seq, k.version, CASE WHEN k.outcome = 'created' THEN now() END, k.retry
        FROM unnest(outcomes, ids, seqs, versions, retry) WITH ORDINALITY AS k(outcome, id, seq, version, retry, ord)
        ORDER BY k.ord;
      END
      $fn$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS chat_write_messages(uuid[], varchar[], text[], uuid[], varchar[], int[], uuid[], int[], varchar[], int, uuid[], boolean)`);
    await new MessageWriteMentions1795360000002().up(queryRunner);
  }
}
