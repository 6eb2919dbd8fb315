/*
 * stats.h: what a scan read, for the summary of the text report.
 */
#ifndef STATS_H
#define STATS_H

#include <stdint.h>

struct scan_stats {
	unsigned long		 folders;	/* holding a log read */
	unsigned long		 files_read;
	unsigned long		 files_skipped;	/* all the kinds below */
	unsigned long		 skipped_receive;	/* receive logs */
	unsigned long		 skipped_no_header;	/* not a log file */
	unsigned long		 skipped_other;	/* other log type, bad header, not regular */
	unsigned long		 skipped_window;	/* wholly outside --since/--until */
	unsigned long		 files_unreadable;
	unsigned long		 errors;	/* paths and files that failed */
	unsigned long long	 bytes;
	unsigned long		 rows;
	unsigned long		 bad_rows;
	unsigned long		 sessions_complete;
	unsigned long		 sessions_incomplete;
	unsigned long		 sessions_evicted;	/* closed early: too many open */
	unsigned long		 sessions_restarted;	/* closed early: id begun again */
	unsigned long		 rows_out_of_order;	/* sequence number not up */
	unsigned long		 rows_time_back;	/* time back in a session */
	unsigned long		 sessions_reported;	/* in the window and filters */
	unsigned long		 findings;
	int			 have_time;
	int64_t			 first_time, last_time;
};

#endif
