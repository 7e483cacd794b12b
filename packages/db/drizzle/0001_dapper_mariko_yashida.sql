CREATE TABLE `api_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`token_id` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_sessions_secret_hash_unique` ON `api_sessions` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `sessions_token_idx` ON `api_sessions` (`token_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`token_id` text NOT NULL,
	`token_name` text NOT NULL,
	`action` text NOT NULL,
	`target` text,
	`outcome` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
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
CREATE TABLE `round_audits` (
	`round_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`scores_root` text NOT NULL,
	`question_salt` text NOT NULL,
	`truth_salt` text NOT NULL,
	`question_commitment` text NOT NULL,
	`truth_commitment` text NOT NULL,
	`revealed_at` integer,
	`reveal_outbox_id` integer,
	FOREIGN KEY (`round_id`) REFERENCES `validation_rounds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `round_audits_unrevealed_idx` ON `round_audits` (`revealed_at`);--> statement-breakpoint
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
ALTER TABLE `api_tokens` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `validation_rounds` ADD `trigger` text DEFAULT 'manual' NOT NULL;--> statement-breakpoint
ALTER TABLE `validation_rounds` ADD `question_id` integer;--> statement-breakpoint
CREATE INDEX `rounds_trigger_idx` ON `validation_rounds` (`trigger`,`started_at`);