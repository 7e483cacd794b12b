CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `deployments` (
	`vm_id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`status` text DEFAULT 'inactive' NOT NULL,
	`miner_address` text,
	`instance_name` text,
	`wallet_address` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`assigned_at` integer,
	`terminated_at` integer,
	`health_checked_at` integer,
	`healthy` integer,
	`health_error` text,
	`missing_since` integer,
	`ssh_host_key` text
);
--> statement-breakpoint
CREATE INDEX `deployments_status_idx` ON `deployments` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `deployments_miner_idx` ON `deployments` (`miner_address`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`name` text PRIMARY KEY NOT NULL,
	`last_started_at` integer,
	`last_finished_at` integer,
	`last_error` text,
	`lease_owner` text,
	`lease_until` integer
);
--> statement-breakpoint
CREATE TABLE `ledger_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`round_id` text,
	`topic_id` text,
	`payload` text NOT NULL,
	`transaction_id` text,
	`signed_bytes` blob,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`next_attempt_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`sent_at` integer,
	`confirmed_at` integer,
	`sequence_number` integer,
	`running_hash` text,
	FOREIGN KEY (`round_id`) REFERENCES `validation_rounds`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `ledger_outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_round_idx` ON `ledger_outbox` (`round_id`);--> statement-breakpoint
CREATE TABLE `local_vms` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`port` integer NOT NULL,
	`pid` integer,
	`status` text DEFAULT 'New' NOT NULL,
	`open_ports` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `local_vms_port_unique` ON `local_vms` (`port`);--> statement-breakpoint
CREATE TABLE `miner_answers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`round_id` text NOT NULL,
	`vm_id` text NOT NULL,
	`miner_address` text,
	`endpoint` text NOT NULL,
	`ok` integer NOT NULL,
	`response` text,
	`latency_ms` integer NOT NULL,
	`score` integer NOT NULL,
	`method` text NOT NULL,
	`reason` text,
	FOREIGN KEY (`round_id`) REFERENCES `validation_rounds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `answers_round_idx` ON `miner_answers` (`round_id`);--> statement-breakpoint
CREATE INDEX `answers_miner_idx` ON `miner_answers` (`miner_address`);--> statement-breakpoint
CREATE TABLE `miner_score_history` (
	`miner_address` text NOT NULL,
	`round_id` text NOT NULL,
	`score` integer NOT NULL,
	`ema_score` real NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`miner_address`, `round_id`),
	FOREIGN KEY (`round_id`) REFERENCES `validation_rounds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `history_at_idx` ON `miner_score_history` (`miner_address`,`at`);--> statement-breakpoint
CREATE TABLE `miner_scores` (
	`miner_address` text PRIMARY KEY NOT NULL,
	`ema_score` real NOT NULL,
	`rounds` integer DEFAULT 0 NOT NULL,
	`answered` integer DEFAULT 0 NOT NULL,
	`last_score` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `reward_epochs` (
	`epoch` text PRIMARY KEY NOT NULL,
	`token_id` text NOT NULL,
	`emission` text NOT NULL,
	`status` text NOT NULL,
	`mint_transaction_id` text,
	`lease_owner` text,
	`lease_until` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`completed_at` integer
);
--> statement-breakpoint
CREATE TABLE `reward_payouts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`epoch` text NOT NULL,
	`miner_address` text NOT NULL,
	`amount` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`transaction_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`paid_at` integer,
	FOREIGN KEY (`epoch`) REFERENCES `reward_epochs`(`epoch`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payouts_epoch_miner_idx` ON `reward_payouts` (`epoch`,`miner_address`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `validation_rounds` (
	`id` text PRIMARY KEY NOT NULL,
	`prompt` text NOT NULL,
	`truth` text NOT NULL,
	`method` text NOT NULL,
	`started_at` integer NOT NULL,
	`completed_at` integer NOT NULL,
	`miner_count` integer NOT NULL,
	`answered_count` integer NOT NULL,
	`mean_score` real NOT NULL,
	`payload_hash` text NOT NULL,
	`ledger_status` text DEFAULT 'pending' NOT NULL,
	`ledger_topic_id` text,
	`ledger_sequence` integer,
	`ledger_running_hash` text,
	`ledger_transaction_id` text,
	`ledger_consensus_at` text
);
--> statement-breakpoint
CREATE INDEX `rounds_started_idx` ON `validation_rounds` (`started_at`);