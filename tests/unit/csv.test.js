// Unit tests of html/js/components/csv.js: RFC 4180 quoting and the guard against spreadsheet formula
// injection. `download` needs a browser and is covered by the browser suite.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, toCsv } from '../../html/js/components/csv.js';

test('a plain value is written as is', () => {
  assert.equal(csvCell('CHG-0001'), 'CHG-0001');
  assert.equal(csvCell(42), '42');
  assert.equal(csvCell(true), 'true');
});

test('a missing value is an empty cell, but zero and false are kept', () => {
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(0), '0');
  assert.equal(csvCell(false), 'false');
});

test('a list is one cell with its items separated by spaces', () => {
  assert.equal(csvCell(['acme', 'globex']), 'acme globex');
  assert.equal(csvCell([]), '');
});

test('a value with a comma is quoted', () => {
  assert.equal(csvCell('Berlin, Germany'), '"Berlin, Germany"');
});

test('quotes inside a value are doubled and the value quoted', () => {
  assert.equal(csvCell('the "big" one'), '"the ""big"" one"');
  assert.equal(csvCell('"'), '""""');
});

test('a value with a line break stays one quoted cell', () => {
  assert.equal(csvCell('line one\nline two'), '"line one\nline two"');
  assert.equal(csvCell('a\r\nb'), '"a\r\nb"');
});

test('a value a spreadsheet would run as a formula is prefixed with an apostrophe', () => {
  assert.equal(csvCell('=SUM(A1:A9)'), "'=SUM(A1:A9)");
  assert.equal(csvCell('+49 30 1234'), "'+49 30 1234");
  assert.equal(csvCell('-2+3'), "'-2+3");
  assert.equal(csvCell('@SUM(1)'), "'@SUM(1)");
  assert.equal(csvCell('\tcmd'), "'\tcmd");
});

test('a formula with quotes is both neutralised and quoted', () => {
  assert.equal(csvCell('=HYPERLINK("http://evil","x")'), `"'=HYPERLINK(""http://evil"",""x"")"`);
  assert.equal(csvCell('\r=1'), `"'\r=1"`);
});

test('formula characters later in a value are left alone', () => {
  assert.equal(csvCell('a=b'), 'a=b');
  assert.equal(csvCell('user@example.com'), 'user@example.com');
});

test('a formula hidden in a list item at the start is neutralised too', () => {
  assert.equal(csvCell(['=1+1', 'x']), "'=1+1 x");
});

test('a table has a header row of labels and CRLF after every row', () => {
  const columns = [['id', 'ID'], ['title', 'Title']];
  const rows = [{ id: 'CHG-1', title: 'Patch' }, { id: 'CHG-2', title: 'Reboot, then patch' }];
  assert.equal(toCsv(columns, rows), 'ID,Title\r\nCHG-1,Patch\r\nCHG-2,"Reboot, then patch"\r\n');
});

test('a column can compute its cell from the whole row', () => {
  const columns = [['id', 'ID'], [(r) => r.customers.length, 'Customers']];
  assert.equal(toCsv(columns, [{ id: 'CHG-1', customers: ['a', 'b'] }]), 'ID,Customers\r\nCHG-1,2\r\n');
});

test('a row without a column key gets an empty cell', () => {
  assert.equal(toCsv([['id', 'ID'], ['title', 'Title']], [{ id: 'CHG-1' }]), 'ID,Title\r\nCHG-1,\r\n');
});

test('no rows gives the header only', () => {
  assert.equal(toCsv([['id', 'ID']], []), 'ID\r\n');
});

test('labels are escaped like cells', () => {
  assert.equal(toCsv([['x', 'Start, UTC'], ['y', '=risky']], []), `"Start, UTC",'=risky\r\n`);
});
