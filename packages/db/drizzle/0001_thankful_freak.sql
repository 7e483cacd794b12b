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
CREATE INDEX `round_audits_unrevealed_idx` ON `round_audits` (`revealed_at`);