import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Images: the uploaded images (what is served: size, dimensions after EXIF orientation, storage keys of the file
 * and its thumbnail, content hash for the ETag) and their links to messages, in order. Deleting a message or an
 * image removes its links. Generated from the entities, then reviewed; never edit it after it has been released.
 */
export class Images1795319390929 implements MigrationInterface {
  name = 'Images1795319390929';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "chat_images" ("id" uuid NOT NULL, "uploader_id" character varying(255) NOT NULL, "mime_type" character varying(32) NOT NULL, "size" integer NOT NULL, "width" integer NOT NULL, "height" integer NOT NULL, "file_name" character varying(255) NOT NULL, "file_key" character varying(512) NOT NULL, "sha256" character varying(64) NOT NULL, "thumbnail_key" character varying(512) NOT NULL, "thumbnail_size" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_images_positive_ck" CHECK ("size" > 0 AND "width" > 0 AND "height" > 0 AND "thumbnail_size" > 0), CONSTRAINT "chat_images_pk" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "chat_images_uploader_created_idx" ON "chat_images"  ("uploader_id", "created_at", "id")`);
    await queryRunner.query(`CREATE TABLE "chat_message_images" ("message_id" uuid NOT NULL, "image_id" uuid NOT NULL, "position" integer NOT NULL, CONSTRAINT "chat_message_images_position_ck" CHECK ("position" >= 0), CONSTRAINT "chat_message_images_pk" PRIMARY KEY ("message_id", "image_id"))`);
    await queryRunner.query(`CREATE INDEX "chat_message_images_image_idx" ON "chat_message_images"  ("image_id")`);
    await queryRunner.query(`ALTER TABLE "chat_message_images" ADD CONSTRAINT "chat_message_images_message_fk" FOREIGN KEY ("message_id") REFERENCES "chat_messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "chat_message_images" ADD CONSTRAINT "chat_message_images_image_fk" FOREIGN KEY ("image_id") REFERENCES "chat_images"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "chat_rooms" ADD CONSTRAINT "chat_rooms_image_fk" FOREIGN KEY ("image_id") REFERENCES "chat_images"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chat_rooms" DROP CONSTRAINT "chat_rooms_image_fk"`);
    await queryRunner.query(`ALTER TABLE "chat_message_images" DROP CONSTRAINT "chat_message_images_image_fk"`);
    await queryRunner.query(`ALTER TABLE "chat_message_images" DROP CONSTRAINT "chat_message_images_message_fk"`);
    await queryRunner.query(`DROP INDEX "chat_message_images_image_idx"`);
    await queryRunner.query(`DROP TABLE "chat_message_images"`);
    await queryRunner.query(`DROP INDEX "chat_images_uploader_created_idx"`);
    await queryRunner.query(`DROP TABLE "chat_images"`);
  }
}
