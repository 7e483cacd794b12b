CREATE TABLE `bank_questions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`prompt` text NOT NULL,
	`prompt_key` text NOT NULL,
	`truth` text NOT NULL,
	`tags` text NOT NULL,
	`source` text NOT NULL,
	`times_asked` integer DEFAULT 0 NOT NULL,
	`last_asked_at` integer,
	`retired_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bank_questions_prompt_key_unique` ON `bank_questions` (`prompt_key`);--> statement-breakpoint
CREATE INDEX `bank_pick_idx` ON `bank_questions` (`retired_at`,`last_asked_at`);--> statement-breakpoint
CREATE TABLE `validation_schedule` (
	`id` integer PRIMARY KEY NOT NULL,
	`enabled` integer NOT NULL,
	`interval_seconds` integer NOT NULL,
	`sample` integer,
	`timeout_ms` integer,
	`method` text DEFAULT 'auto' NOT NULL,
	`auto_epochs` integer,
	`sample_cursor` integer DEFAULT 0 NOT NULL,
	`next_round_at` integer,
	`last_round_id` text,
	`last_round_started_at` integer,
	`last_round_completed_at` integer,
	`last_error` text,
	`skipped_ticks` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `validation_rounds` ADD `trigger` text DEFAULT 'manual' NOT NULL;--> statement-breakpoint
ALTER TABLE `validation_rounds` ADD `question_id` integer;--> statement-breakpoint
CREATE INDEX `rounds_trigger_idx` ON `validation_rounds` (`trigger`,`started_at`);