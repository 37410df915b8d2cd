"""The versioned schema. Append a migration; never edit one that has shipped."""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            verb TEXT NOT NULL,
            command TEXT NOT NULL,
            app TEXT,
            version TEXT,
            baseline TEXT,
            environment TEXT,
            plan TEXT,
            status TEXT NOT NULL,
            verdict TEXT,
            score REAL,
            summary TEXT,
            report_path TEXT,
            requested_by TEXT,
            surface TEXT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT
        );
        CREATE INDEX runs_by_app ON runs (app, version);
        CREATE TABLE jobs (
            run_id INTEGER PRIMARY KEY REFERENCES runs(id),
            status TEXT NOT NULL,
            progress TEXT,
            owner_pid INTEGER,
            owner_host TEXT,
            channel TEXT,
            thread_ts TEXT,
            status_ts TEXT,
            response_url TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX jobs_by_status ON jobs (status);
        CREATE INDEX jobs_by_thread ON jobs (channel, thread_ts);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            kind TEXT NOT NULL,
            step TEXT,
            message TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX events_by_run ON events (run_id);
        CREATE TABLE steps (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            summary TEXT,
            started_at TEXT,
            finished_at TEXT,
            UNIQUE (run_id, name)
        );
        CREATE TABLE results (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            step TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (run_id, step)
        );
        CREATE TABLE findings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            step TEXT NOT NULL,
            severity TEXT NOT NULL,
            title TEXT NOT NULL,
            evidence TEXT,
            fingerprint TEXT NOT NULL,
            service TEXT
        );
        CREATE INDEX findings_by_fingerprint ON findings (fingerprint);
        CREATE TABLE measurements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            step TEXT NOT NULL,
            name TEXT NOT NULL,
            value REAL NOT NULL,
            unit TEXT,
            baseline REAL,
            tags TEXT
        );
        CREATE INDEX measurements_by_run ON measurements (run_id, step, name);
        CREATE TABLE test_results (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            step TEXT NOT NULL,
            test_id TEXT NOT NULL,
            outcome TEXT NOT NULL,
            time_s REAL,
            message TEXT
        );
        CREATE INDEX test_results_by_test ON test_results (test_id);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            surface TEXT NOT NULL,
            verb TEXT NOT NULL,
            args TEXT,
            outcome TEXT NOT NULL,
            detail TEXT,
            run_id INTEGER
        );
        CREATE TABLE deliveries (
            key TEXT PRIMARY KEY,
            at TEXT NOT NULL
        );
        """,
    ),
    (
        2,
        """
        CREATE TABLE env_locks (
            environment TEXT PRIMARY KEY,
            run_id INTEGER NOT NULL,
            owner_pid INTEGER NOT NULL,
            owner_host TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """,
    ),
    (
        3,
        """
        CREATE TABLE chaos_experiments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            environment TEXT NOT NULL,
            experiment TEXT NOT NULL,
            status TEXT NOT NULL,
            owner_pid INTEGER NOT NULL,
            owner_host TEXT NOT NULL,
            stop_requested INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE UNIQUE INDEX chaos_one_active_per_environment
            ON chaos_experiments (environment) WHERE status = 'active';
        CREATE INDEX chaos_experiments_by_status ON chaos_experiments (status);
        CREATE TABLE chaos_undo (
            experiment_id INTEGER NOT NULL REFERENCES chaos_experiments(id),
            position INTEGER NOT NULL,
            step TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            rolled_back_at TEXT,
            PRIMARY KEY (experiment_id, position)
        );
        """,
    ),
    (
        4,
        """
        CREATE TABLE approvals (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            subject TEXT NOT NULL,
            user TEXT NOT NULL,
            role TEXT NOT NULL,
            decision TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            decided_at TEXT NOT NULL
        );
        CREATE INDEX approvals_by_run ON approvals (run_id, subject);
        """,
    ),
    (
        5,
        """
        CREATE TABLE llm_usage (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER REFERENCES runs(id),
            task TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            cost REAL NOT NULL DEFAULT 0,
            latency_s REAL NOT NULL DEFAULT 0,
            fallback TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX llm_usage_by_run ON llm_usage (run_id);
        """,
    ),
    (
        6,
        """
        CREATE TABLE defects (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT UNIQUE,
            fingerprint TEXT NOT NULL,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            impact TEXT NOT NULL DEFAULT '',
            service TEXT,
            labels TEXT NOT NULL DEFAULT '[]',
            evidence TEXT NOT NULL DEFAULT '',
            step TEXT,
            app TEXT,
            version TEXT,
            run_id INTEGER,
            run_url TEXT,
            status TEXT NOT NULL DEFAULT 'open',
            occurrences INTEGER NOT NULL DEFAULT 1,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            resolved_at TEXT
        );
        CREATE UNIQUE INDEX defects_one_open_per_fingerprint
            ON defects (fingerprint) WHERE status = 'open';
        CREATE INDEX defects_by_release ON defects (app, version);
        CREATE TABLE defect_comments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            defect_id INTEGER NOT NULL REFERENCES defects(id),
            body TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX defect_comments_by_defect ON defect_comments (defect_id);
        """,
    ),
    (
        7,
        """
        ALTER TABLE approvals ADD COLUMN seats TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE approvals ADD COLUMN override TEXT NOT NULL DEFAULT '';
        CREATE TABLE promotions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            kind TEXT NOT NULL,
            ok INTEGER NOT NULL,
            status INTEGER,
            detail TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            at TEXT NOT NULL
        );
        CREATE INDEX promotions_by_run ON promotions (run_id);
        """,
    ),
    (
        8,
        """
        ALTER TABLE approvals ADD COLUMN name TEXT NOT NULL DEFAULT '';
        ALTER TABLE runs ADD COLUMN requester TEXT;
        """,
    ),
]
