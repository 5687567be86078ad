// The one SQLite layer, on real database files.
#include "sqlite/sqlite.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace touchpoint;
using namespace touchpoint::sqlite;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("tp-sqlite-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const char* name) const { return (path / name).string(); }
};

Connection open_with_table(const std::string& file) {
    Result<Connection> c = Connection::open(file);
    REQUIRE(c.ok());
    REQUIRE(c->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score REAL, note TEXT)").ok());
    return std::move(c).value();
}

std::int64_t count(Connection& c) {
    Result<std::int64_t> n = c.query_int64("SELECT count(*) FROM t");
    REQUIRE(n.ok());
    return *n;
}

} // namespace

TEST_CASE("statements bind, step and read typed columns", "[sqlite]") {
    TempDir dir;
    Connection c = open_with_table(dir.file("a.db"));
    Result<Statement> ins = c.prepare("INSERT INTO t (name, score, note) VALUES (?1, ?2, ?3)", true);
    REQUIRE(ins.ok());
    REQUIRE(ins->bind_all(std::string("first"), 4.5, std::optional<std::string>()).run().ok());
    ins->reset();
    REQUIRE(ins->bind_all("second", 2.0, std::optional<std::string>("kind")).run().ok());
    CHECK(c.last_insert_rowid() == 2);

    Result<Statement> q = c.prepare("SELECT id, name, score, note FROM t ORDER BY id");
    REQUIRE(q.ok());
    Result<bool> row = q->step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    CHECK(q->int64(0) == 1);
    CHECK(q->text(1) == "first");
    CHECK(q->real(2) == 4.5);
    CHECK(q->is_null(3));
    CHECK_FALSE(q->opt_text(3).has_value());
    row = q->step();
    REQUIRE((row.ok() && *row));
    CHECK(q->opt_text(3) == std::optional<std::string>("kind"));
    row = q->step();
    REQUIRE(row.ok());
    CHECK_FALSE(*row);
}

TEST_CASE("a failed bind is reported by the next step and nothing is written", "[sqlite]") {
    TempDir dir;
    Connection c = open_with_table(dir.file("a.db"));
    Result<Statement> ins = c.prepare("INSERT INTO t (name) VALUES (?1)");
    REQUIRE(ins.ok());
    ins->bind(1, "x").bind(2, "no such parameter");
    const Status st = ins->run();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("bind") != std::string::npos);
    CHECK(ins->error_kind() == ErrorKind::misuse);
    CHECK(count(c) == 0);
    // After a reset the statement works again.
    ins->reset();
    REQUIRE(ins->bind(1, "x").run().ok());
    CHECK(count(c) == 1);
}

TEST_CASE("a column of one database's row binds as it is into another's statement", "[sqlite]") {
    TempDir dir;
    Connection from = open_with_table(dir.file("from.db"));
    Connection to = open_with_table(dir.file("to.db"));
    REQUIRE(from.exec("INSERT INTO t (id, name, score, note) VALUES (7, 'seven', 2.5, NULL)").ok());
    Result<Statement> q = from.prepare("SELECT id, name, score, note FROM t");
    Result<Statement> ins = to.prepare("INSERT INTO t (id, name, score, note) VALUES (?1, ?2, ?3, ?4)");
    REQUIRE((q.ok() && ins.ok()));
    Result<bool> row = q->step();
    REQUIRE((row.ok() && *row));
    for (int c = 0; c < 4; ++c)
        ins->bind_column(c + 1, *q, c);
    REQUIRE(ins->run().ok());

    Result<Statement> back = to.prepare("SELECT id, name, score, typeof(score), note FROM t");
    REQUIRE(back.ok());
    row = back->step();
    REQUIRE((row.ok() && *row));
    CHECK(back->int64(0) == 7);
    CHECK(back->text(1) == "seven");
    CHECK(back->real(2) == 2.5);
    CHECK(back->text(3) == "real");
    CHECK(back->is_null(4));

    // A statement never prepared has no row to bind from: the next step says so.
    ins->reset();
    Statement none;
    ins->bind_column(1, none, 0);
    CHECK_FALSE(ins->run().ok());
    CHECK(ins->error_kind() == ErrorKind::misuse);
}

TEST_CASE("a connection for one thread at a time takes no mutex of its own", "[sqlite]") {
    TempDir dir;
    Connection::Options one_thread;
    one_thread.no_mutex = true;
    Result<Connection> a = Connection::open(dir.file("a.db"), one_thread);
    Result<Connection> b = Connection::open(dir.file("a.db"));
    REQUIRE((a.ok() && b.ok()));
    CHECK(sqlite3_db_mutex(a->handle()) == nullptr);
    CHECK(sqlite3_db_mutex(b->handle()) != nullptr);
    REQUIRE(a->exec("CREATE TABLE t (x INTEGER)").ok());
    CHECK(b->query_int64("SELECT count(*) FROM t").ok());
}

TEST_CASE("errors come back with SQLite's message and a kind", "[sqlite]") {
    TempDir dir;
    Connection c = open_with_table(dir.file("a.db"));
    REQUIRE(c.exec("INSERT INTO t (name) VALUES ('same')").ok());
    const Status dup = c.exec("INSERT INTO t (name) VALUES ('same')");
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().find("UNIQUE") != std::string::npos);
    CHECK(c.error_kind() == ErrorKind::constraint);

    Result<Statement> bad = c.prepare("SELEC nothing");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("syntax error") != std::string::npos);

    const Result<Connection> missing =
        Connection::open(dir.file("no/such/folder.db"), Connection::Options{false, true, nullptr, 0});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().find("no/such/folder.db") != std::string::npos);
}

TEST_CASE("a transaction rolls back unless committed", "[sqlite]") {
    TempDir dir;
    Connection c = open_with_table(dir.file("a.db"));
    {
        Transaction tx(c);
        REQUIRE(tx.begin(Transaction::Mode::immediate).ok());
        REQUIRE(c.exec("INSERT INTO t (name) VALUES ('dropped')").ok());
        CHECK(c.in_transaction());
    }
    CHECK_FALSE(c.in_transaction());
    CHECK(count(c) == 0);
    {
        Transaction tx(c);
        REQUIRE(tx.begin().ok());
        REQUIRE(c.exec("INSERT INTO t (name) VALUES ('kept')").ok());
        REQUIRE(tx.commit().ok());
    }
    CHECK(count(c) == 1);
}

TEST_CASE("a savepoint undoes only its own writes", "[sqlite]") {
    TempDir dir;
    Connection c = open_with_table(dir.file("a.db"));
    Transaction tx(c);
    REQUIRE(tx.begin().ok());
    REQUIRE(c.exec("INSERT INTO t (name) VALUES ('outer')").ok());
    {
        Savepoint sp(c, "one_write");
        REQUIRE(sp.begin().ok());
        REQUIRE(c.exec("INSERT INTO t (name) VALUES ('inner')").ok());
    } // not released: rolled back to
    {
        Savepoint sp(c, "another");
        REQUIRE(sp.begin().ok());
        REQUIRE(c.exec("INSERT INTO t (name) VALUES ('released')").ok());
        REQUIRE(sp.release().ok());
    }
    CHECK(c.in_transaction());
    REQUIRE(tx.commit().ok());
    Result<std::string> names = c.query_text("SELECT group_concat(name, ',') FROM (SELECT name FROM t ORDER BY id)");
    REQUIRE(names.ok());
    CHECK(*names == "outer,released");
}

TEST_CASE("a lock held by another connection maps to busy", "[sqlite]") {
    TempDir dir;
    const std::string file = dir.file("a.db");
    Connection a = open_with_table(file);
    REQUIRE(a.query_text("PRAGMA journal_mode = WAL").ok());
    Result<Connection> b = Connection::open(file, Connection::Options{false, false, nullptr, 0});
    REQUIRE(b.ok());
    Transaction hold(a);
    REQUIRE(hold.begin(Transaction::Mode::immediate).ok());
    const Status st = b->exec("INSERT INTO t (name) VALUES ('blocked')");
    REQUIRE_FALSE(st.ok());
    CHECK(b->error_kind() == ErrorKind::busy);
    CHECK(is_storage_failure(b->error_kind()));
    CHECK(st.error().find("busy") != std::string::npos);
}

TEST_CASE("a file that is not a database maps to corrupt", "[sqlite]") {
    TempDir dir;
    const std::string file = dir.file("junk.db");
    {
        std::ofstream out(file, std::ios::binary);
        for (int i = 0; i < 512; ++i) out << "this is not an SQLite database file. ";
    }
    Result<Connection> c = Connection::open(file);
    REQUIRE(c.ok()); // SQLite reads the header lazily
    const Result<std::string> check = c->query_text("PRAGMA quick_check");
    REQUIRE_FALSE(check.ok());
    CHECK(c->error_kind() == ErrorKind::corrupt);
    CHECK(std::string(describe(c->error_kind())) == "database file is damaged");
}

TEST_CASE("a failed write names the constraint it broke", "[sqlite]") {
    TempDir dir;
    Connection c = open_with_table(dir.file("a.db"));
    REQUIRE(c.exec("PRAGMA foreign_keys = ON").ok());
    REQUIRE(c.exec("CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL "
                   "REFERENCES t(id), CHECK (id > 0))")
                .ok());
    REQUIRE(c.exec("INSERT INTO t (id, name) VALUES (1, 'one')").ok());

    auto broken = [&c](const char* sql) {
        Result<Statement> s = c.prepare(sql);
        REQUIRE(s.ok());
        REQUIRE_FALSE(s->run().ok());
        CHECK(s->error_kind() == ErrorKind::constraint);
        return s->constraint();
    };
    CHECK(broken("INSERT INTO t (id, name) VALUES (1, 'again')") == Constraint::primary_key);
    CHECK(broken("INSERT INTO t (name) VALUES ('one')") == Constraint::unique);
    CHECK(broken("INSERT INTO child (id, parent) VALUES (1, 99)") == Constraint::foreign_key);
    CHECK(broken("INSERT INTO child (id) VALUES (2)") == Constraint::not_null);
    CHECK(broken("INSERT INTO child (id, parent) VALUES (-1, 1)") == Constraint::check);

    Result<Statement> fine = c.prepare("INSERT INTO child (id, parent) VALUES (3, 1)");
    REQUIRE(fine.ok());
    REQUIRE(fine->run().ok());
    CHECK(fine->constraint() == Constraint::none);
    CHECK(c.changes() == 1);
    CHECK(c.total_changes() == 2);
}

namespace {

// What a WriteObserver heard.
struct Heard final : WriteObserver {
    std::vector<ErrorKind> failed;
    int committed = 0;
    void write_failed(int code, const std::string&) override { failed.push_back(kind_of(code)); }
    void write_committed() override { ++committed; }
};

} // namespace

TEST_CASE("a write observer hears of failed writes and of commits, not of reads", "[sqlite]") {
    TempDir dir;
    Connection c = open_with_table(dir.file("a.db"));
    Heard heard;
    c.observe_writes(&heard);

    // A write on its own commits as it finishes; one that changes nothing does not count.
    Result<Statement> ins = c.prepare("INSERT INTO t (name) VALUES (?1)");
    REQUIRE(ins.ok());
    REQUIRE(ins->bind(1, "a").run().ok());
    CHECK(heard.committed == 1);
    REQUIRE(c.exec("UPDATE t SET score = 1 WHERE name = 'nobody'").ok());
    CHECK(heard.committed == 1);

    // A read is no write; a write that fails is heard of.
    Result<Statement> read = c.prepare("SELECT count(*) FROM t");
    REQUIRE(read.ok());
    REQUIRE(read->step().ok());
    CHECK(heard.failed.empty());
    ins->reset();
    REQUIRE_FALSE(ins->bind(1, "a").run().ok());
    REQUIRE(heard.failed.size() == 1);
    CHECK(heard.failed[0] == ErrorKind::constraint);

    // A transaction counts once, at its commit, and only when it changed rows.
    {
        Transaction tx(c);
        REQUIRE(tx.begin(Transaction::Mode::immediate).ok());
        ins->reset();
        REQUIRE(ins->bind(1, "b").run().ok());
        ins->reset();
        REQUIRE(ins->bind(1, "c").run().ok());
        CHECK(heard.committed == 1);
        REQUIRE(tx.commit().ok());
    }
    CHECK(heard.committed == 2);
    {
        Transaction tx(c);
        REQUIRE(tx.begin().ok());
        REQUIRE(tx.commit().ok());
    }
    CHECK(heard.committed == 2);
    {
        Transaction rolled_back(c);
        REQUIRE(rolled_back.begin().ok());
        ins->reset();
        REQUIRE(ins->bind(1, "d").run().ok());
    }
    CHECK(heard.committed == 2);
    CHECK(count(c) == 3);

    // An exec that fails is a failed write (DDL, transaction control).
    REQUIRE_FALSE(c.exec("COMMIT").ok());
    CHECK(heard.failed.size() == 2);
    c.observe_writes(nullptr);
}

TEST_CASE("a savepoint's rollback says whether it undid its writes", "[sqlite]") {
    TempDir dir;
    Connection c = open_with_table(dir.file("a.db"));
    Transaction tx(c);
    REQUIRE(tx.begin().ok());
    Savepoint sp(c, "write");
    REQUIRE(sp.begin().ok());
    REQUIRE(c.exec("INSERT INTO t (name) VALUES ('undone')").ok());
    CHECK(sp.rollback());
    CHECK(sp.rollback()); // nothing left to undo
    CHECK(c.in_transaction());
    REQUIRE(tx.commit().ok());
    CHECK(count(c) == 0);

    // When the transaction is gone from under it, there is nothing to roll back to.
    Transaction gone(c);
    REQUIRE(gone.begin().ok());
    Savepoint orphan(c, "orphan");
    REQUIRE(orphan.begin().ok());
    REQUIRE(c.exec("ROLLBACK").ok());
    CHECK_FALSE(orphan.rollback());
}

TEST_CASE("room to grow: a scratch file beside the database takes the bytes", "[sqlite]") {
    TempDir dir;
    Connection c = open_with_table(dir.file("a.db"));
    CHECK(c.check_room(64 * 1024).ok());
    CHECK_FALSE(std::filesystem::exists(dir.file("a.db-room"))); // deleted on close
    Result<Connection> memory = Connection::open(":memory:");
    REQUIRE(memory.ok());
    CHECK(memory->check_room(64 * 1024).ok());
}
