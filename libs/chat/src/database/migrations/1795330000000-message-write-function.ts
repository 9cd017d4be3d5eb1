import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `chat_write_messages`: writes a batch of new messages in one call, hence one round trip and one implicit
 * transaction (MessageWriter). The same work as a BEGIN / lock / check / insert / COMMIT sequence from the
 * application, which cost five round trips per batch, each waking the database; at a few thousand messages a
 * second those round trips, not the rows, were the database's main cost (bench/README.md).
 *
 * Inside, each statement takes a fresh snapshot (READ COMMITTED, a VOLATILE function), so the checks after the
 * locks see everything committed before the locks were granted: a member removed meanwhile cannot send, and a
 * room's `last_seq` is read under its lock (gapless seqs in commit order). Locks: the attached images shared
 * first (the order image deletion takes them in), then the rooms in id order, so writers never deadlock.
 *
 * Plans: every statement is a keyed lookup of one row, or works on the arrays alone, so its plan cannot go wrong
 * with the tables' statistics. A first version did it all in one big set-based statement: PostgreSQL either
 * planned it again on every call (more work than running it), or kept a generic plan made from the statistics of
 * the session's first call, which hash-joined sequential scans of the members table, bloated by read pointers
 * (seen with perf in the fan-out benchmark).
 *
 * One row per input message, by position (`w_ord`, 1-based): `created` with the new message's id, seq, version
 * and time; `duplicate` with the id of the message that already has this sender's clientId; `not_member` (the
 * sender is not a member, or the room is gone); `bad_images` (an image that is not the sender's, or is gone).
 * Repeats of one clientId within a batch are the caller's to fold.
 */
export class MessageWriteFunction1795330000000 implements MigrationInterface {
  name = 'MessageWriteFunction1795330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION chat_write_messages(
        p_room_ids uuid[], p_sender_ids varchar[], p_bodies text[], p_parent_ids uuid[], p_client_ids varchar[],
        p_image_messages int[], p_image_ids uuid[]
      ) RETURNS TABLE (w_ord int, w_outcome text, w_id uuid, w_seq int, w_version int, w_created_at timestamptz)
      LANGUAGE plpgsql VOLATILE AS $fn$
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
        v_id uuid;
        v_member boolean;
        v_room uuid;
        v_user varchar;
        v_count int;
        v_seq int;
        v_version int;
        v_images uuid[];
      BEGIN
        PERFORM 1 FROM chat_images img WHERE img.id = ANY(p_image_ids) ORDER BY img.id FOR SHARE;
        PERFORM 1 FROM chat_rooms room WHERE room.id = ANY(p_room_ids) ORDER BY room.id FOR UPDATE;

        FOR i IN 1..n LOOP
          SELECT
            EXISTS (SELECT 1 FROM chat_room_members mem WHERE mem.room_id = p_room_ids[i] AND mem.user_id = p_sender_ids[i]),
            (SELECT msg.id FROM chat_messages msg
             WHERE msg.sender_id = p_sender_ids[i] AND msg.client_id = p_client_ids[i] AND msg.client_id IS NOT NULL)
          INTO v_member, v_id;
          IF NOT v_member THEN
            outcomes[i] := 'not_member';
            CONTINUE;
          END IF;
          IF v_id IS NOT NULL THEN
            outcomes[i] := 'duplicate';
            ids[i] := v_id;
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
          SET last_read_seq = GREATEST(mem.last_read_seq, v_seq), last_delivered_seq = GREATEST(mem.last_delivered_seq, v_seq)
          WHERE mem.room_id = v_room AND mem.user_id = v_user;
        END LOOP;

        -- A reply changes its parent (replyCount) in the same change: the parent takes the reply's version.
        FOR v_id, v_count, v_version IN
          SELECT k.parent_id, count(*)::int, max(k.version) FROM unnest(p_parent_ids, versions) AS k(parent_id, version)
          WHERE k.parent_id IS NOT NULL AND k.version IS NOT NULL GROUP BY k.parent_id
        LOOP
          UPDATE chat_messages parent SET reply_count = parent.reply_count + v_count, version = v_version WHERE parent.id = v_id;
        END LOOP;

        INSERT INTO chat_messages (id, room_id, seq, sender_id, body, parent_id, client_id, version)
        SELECT k.id, k.room_id, k.seq, k.sender_id, k.body, k.parent_id, k.client_id, k.version
        FROM unnest(ids, p_room_ids, seqs, p_sender_ids, p_bodies, p_parent_ids, p_client_ids, versions)
          AS k(id, room_id, seq, sender_id, body, parent_id, client_id, version)
        WHERE k.seq IS NOT NULL
        ORDER BY k.room_id, k.seq;

        IF cardinality(p_image_ids) > 0 THEN
          INSERT INTO chat_message_images (message_id, image_id, position)
          SELECT ids[l.ord], l.image_id, (row_number() OVER (PARTITION BY l.ord ORDER BY l.n) - 1)::int
          FROM unnest(p_image_messages, p_image_ids) WITH ORDINALITY AS l(ord, image_id, n)
          WHERE outcomes[l.ord] = 'created';
        END IF;

        RETURN QUERY
        SELECT k.ord::int, k.outcome, k.id, k.seq, k.version, CASE WHEN k.outcome = 'created' THEN now() END
        FROM unnest(outcomes, ids, seqs, versions) WITH ORDINALITY AS k(outcome, id, seq, version, ord)
        ORDER BY k.ord;
      END
      $fn$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS chat_write_messages(uuid[], varchar[], text[], uuid[], varchar[], int[], uuid[])`);
  }
}
