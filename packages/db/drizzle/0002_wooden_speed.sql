CREATE TABLE `round_copy_groups` (
	`round_id` text NOT NULL,
	`vm_id` text NOT NULL,
	`group_index` integer NOT NULL,
	`miner_key` text NOT NULL,
	`answered_at` integer NOT NULL,
	`earliest` integer NOT NULL,
	`similarity` real NOT NULL,
	PRIMARY KEY(`round_id`, `vm_id`),
	FOREIGN KEY (`round_id`) REFERENCES `validation_rounds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `round_copy_groups_miner_idx` ON `round_copy_groups` (`miner_key`);