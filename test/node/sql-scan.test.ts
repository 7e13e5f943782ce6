/**
 * Unit tests of scanSql, the scanner that lets the embedded ClickHouse refuse
 * multi-statements and find FORMAT / inline INSERT data without running anything.
 *
 * The multi-statement cases matter for safety: chDB runs every statement of a
 * `;`-separated text, so whatever ClickHouse's lexer reads as code must not be
 * taken for a string or a comment here (each "hidden `;`" case below was checked
 * against chDB 26.7, where the second statement really ran).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scanSql } from '../../src/server/sql-scan.js';

describe('scanSql: statement kind', () => {
  it('upper-cases the first keyword', () => {
    assert.equal(scanSql('select 1').kind, 'SELECT');
    assert.equal(scanSql('  \n\tInsert into t values (1)').kind, 'INSERT');
    assert.equal(scanSql('WITH 1 AS x SELECT x').kind, 'WITH');
    assert.equal(scanSql('show tables').kind, 'SHOW');
    assert.equal(scanSql('DESC training_observability.metric_points').kind, 'DESC');
    assert.equal(scanSql('create table t (x UInt8) engine = Memory').kind, 'CREATE');
  });

  it('skips leading comments of every style and brackets', () => {
    assert.equal(scanSql('-- note\nDROP TABLE t').kind, 'DROP');
    assert.equal(scanSql('/* a /* nested */ b */ ALTER TABLE t DELETE WHERE 1').kind, 'ALTER');
    assert.equal(scanSql('# mysql style\nTRUNCATE TABLE t').kind, 'TRUNCATE');
    assert.equal(scanSql('#!/usr/bin/env clickhouse\nSELECT 1').kind, 'SELECT');
    assert.equal(scanSql('// c++ style\nOPTIMIZE TABLE t').kind, 'OPTIMIZE');
    assert.equal(scanSql('(SELECT 1) UNION ALL (SELECT 2)').kind, 'SELECT');
  });

  it('is empty for a text without statements', () => {
    assert.equal(scanSql('').kind, '');
    assert.equal(scanSql('   \n ').kind, '');
    assert.equal(scanSql('-- only a comment').kind, '');
    assert.equal(scanSql('/* only a comment */').kind, '');
  });

  it('does not take a keyword inside a string or identifier for the kind', () => {
    assert.equal(scanSql("'INSERT' ").kind, '');
    assert.equal(scanSql('`DROP`').kind, '');
  });
});

describe('scanSql: quotes and comments', () => {
  it('keeps a ; inside single-quoted strings', () => {
    assert.equal(scanSql("SELECT 'a;b'").multiStatement, false);
    assert.equal(scanSql("SELECT 'it''s; fine'").multiStatement, false);
    assert.equal(scanSql("SELECT 'back\\'slash; still inside'").multiStatement, false);
    assert.equal(scanSql("SELECT 'a\\\\'; SELECT 2").multiStatement, true, 'an escaped backslash does not escape the quote');
  });

  it('keeps a ; inside quoted identifiers', () => {
    assert.equal(scanSql('SELECT 1 AS "x;y"').multiStatement, false);
    assert.equal(scanSql('SELECT 1 AS `x;y`').multiStatement, false);
    assert.equal(scanSql('SELECT 1 AS `x``;y`').multiStatement, false);
  });

  it('keeps a ; inside comments', () => {
    assert.equal(scanSql('SELECT 1 -- ; DROP TABLE t').multiStatement, false);
    assert.equal(scanSql('SELECT 1 /* ; DROP TABLE t */').multiStatement, false);
    assert.equal(scanSql('SELECT 1 # ; DROP TABLE t').multiStatement, false);
    assert.equal(scanSql('SELECT 1 // ; DROP TABLE t').multiStatement, false);
    assert.equal(scanSql('SELECT 1 /* outer /* inner */ ; still a comment */').multiStatement, false);
  });

  it('keeps a ; inside here-docs and Unicode-quoted strings', () => {
    assert.equal(scanSql('SELECT $$a;b$$').multiStatement, false);
    assert.equal(scanSql('SELECT $tag$ ; $tag$').multiStatement, false);
    assert.equal(scanSql('SELECT \u2018a;b\u2019').multiStatement, false);
    assert.equal(scanSql('SELECT 1 AS \u201Ca;b\u201D').multiStatement, false);
  });

  it('does not take #word for a comment (ClickHouse does not)', () => {
    assert.equal(scanSql('SELECT 1 #x ; SELECT 2').multiStatement, true);
  });
});

describe('scanSql: multi-statement detection', () => {
  it('finds a second statement after a top-level ;', () => {
    assert.equal(scanSql('SELECT 1; DROP TABLE t').multiStatement, true);
    assert.equal(scanSql('SELECT 1;DROP TABLE t').multiStatement, true);
    assert.equal(scanSql("SELECT 'x'; SELECT 'y'").multiStatement, true);
    assert.equal(scanSql('SELECT 1;;').multiStatement, true);
  });

  it('allows one trailing ; with only whitespace or comments after it', () => {
    assert.equal(scanSql('SELECT 1;').multiStatement, false);
    assert.equal(scanSql('SELECT 1;  \n').multiStatement, false);
    assert.equal(scanSql('SELECT 1; -- done').multiStatement, false);
    assert.equal(scanSql('SELECT 1; /* done */').multiStatement, false);
    assert.equal(scanSql('SELECT 1').multiStatement, false);
  });

  // Each text below makes chDB run the DROP; the scanner must see the `;` that ClickHouse sees.
  const hidden: Array<[string, string]> = [
    ['nested block comment', "SELECT 1 /* /* */ ' */ ; DROP TABLE t; --'"],
    ['// line comment', "SELECT 1 // '\n; DROP TABLE t; --'"],
    ['Unicode single quotes', "SELECT \u2018'\u2019 ; DROP TABLE t; --'"],
    ['Unicode double quotes', "SELECT 1 AS \u201C'\u201D ; DROP TABLE t; --'"],
    ['$ inside an identifier', 'SELECT 1 AS a$$ ; DROP TABLE t; SELECT $$'],
    ['identifier starting with $', 'SELECT 1 AS $a ; DROP TABLE t'],
    ['FORMAT Values data', "INSERT INTO t FORMAT Values ('1'); DROP TABLE t"],
    ['format values, lower case', "INSERT INTO t FORMAT values ('1'); DROP TABLE t"],
    ['table named format', 'INSERT INTO format FORMAT Values (1); DROP TABLE t'],
    ['column named format in INSERT … SELECT', 'INSERT INTO t SELECT 1 AS format FROM numbers(1); DROP TABLE t'],
    ['exponent sign before --', 'SELECT 1e--1 ; DROP TABLE t'],
  ];
  for (const [name, sql] of hidden) {
    it(`sees the ; behind: ${name}`, () => {
      assert.equal(scanSql(sql).multiStatement, true, sql);
    });
  }
});

describe('scanSql: FORMAT', () => {
  it('finds the output FORMAT of a query', () => {
    assert.equal(scanSql('SELECT 1 FORMAT JSONEachRow').format, 'JSONEachRow');
    assert.equal(scanSql('SELECT 1 format CSV').format, 'CSV');
    assert.equal(scanSql('SELECT 1 AS x FORMAT JSONCompact SETTINGS max_threads = 1').format, 'JSONCompact');
    assert.equal(scanSql('SELECT 1\nFORMAT TabSeparated;').format, 'TabSeparated');
  });

  it('has no format when none is named', () => {
    assert.equal(scanSql('SELECT 1').format, undefined);
    assert.equal(scanSql("SELECT 'FORMAT JSON'").format, undefined);
    assert.equal(scanSql('SELECT 1 -- FORMAT JSON').format, undefined);
    assert.equal(scanSql("SELECT format('{} {}', 'a', 'b')").format, undefined);
  });

  it('does not report INTO OUTFILE unless it is there', () => {
    assert.equal(scanSql("SELECT 1 INTO OUTFILE '/tmp/x.csv' FORMAT CSV").intoOutfile, true);
    assert.equal(scanSql("SELECT 'INTO OUTFILE'").intoOutfile, false);
    assert.equal(scanSql('SELECT 1').intoOutfile, false);
  });
});

describe('scanSql: inline INSERT data', () => {
  it('points dataOffset at the first byte of the data', () => {
    const sql = 'INSERT INTO training_observability.metric_points FORMAT JSONEachRow\n{"run_id":"r1","metric":"loss","value":1}\n';
    const scanned = scanSql(sql);
    assert.equal(scanned.kind, 'INSERT');
    assert.equal(scanned.format, 'JSONEachRow');
    assert.equal(scanned.dataOffset, sql.indexOf('{'));
    assert.equal(sql.slice(scanned.dataOffset), '{"run_id":"r1","metric":"loss","value":1}\n');
    assert.equal(scanned.multiStatement, false);
  });

  it('skips the whole whitespace run before the data, with a column list and settings', () => {
    const sql = 'INSERT INTO t (a, b) SETTINGS async_insert = 0 FORMAT CSV \r\n\t1,2\n';
    const scanned = scanSql(sql);
    assert.equal(scanned.format, 'CSV');
    assert.equal(sql.slice(scanned.dataOffset), '1,2\n');
  });

  it('treats everything after the format name as data: quotes, ; and comments included', () => {
    const sql = "INSERT INTO t FORMAT TabSeparated\nit's;\t--x\n/* ;\nDROP TABLE t\n";
    const scanned = scanSql(sql);
    assert.equal(scanned.multiStatement, false);
    assert.equal(scanned.format, 'TabSeparated');
    assert.equal(scanned.dataOffset, sql.indexOf('it'));
  });

  it('ignores a FORMAT inside strings, comments or the column list', () => {
    const sql = "INSERT INTO t (format, x) /* FORMAT JSON */ SETTINGS format_csv_delimiter = ';' FORMAT CSV\na;b\n";
    const scanned = scanSql(sql);
    assert.equal(scanned.format, 'CSV');
    assert.equal(sql.slice(scanned.dataOffset), 'a;b\n');
    assert.equal(scanned.multiStatement, false);
  });

  it('scans Values data on, since ClickHouse ends it at a ;', () => {
    const sql = "INSERT INTO t FORMAT Values ('a;b'), ('c')";
    const scanned = scanSql(sql);
    assert.equal(scanned.format, 'Values');
    assert.equal(scanned.dataOffset, sql.indexOf('('));
    assert.equal(scanned.multiStatement, false);
  });

  it('has no dataOffset for INSERT … VALUES or INSERT … SELECT', () => {
    const values = scanSql("INSERT INTO t VALUES ('x;y', 1)");
    assert.equal(values.dataOffset, undefined);
    assert.equal(values.multiStatement, false);
    assert.equal(scanSql("INSERT INTO t VALUES ('x'); DROP TABLE t").multiStatement, true);
    const select = scanSql('INSERT INTO t SELECT number FROM numbers(3)');
    assert.equal(select.kind, 'INSERT');
    assert.equal(select.dataOffset, undefined);
  });
});
