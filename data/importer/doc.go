// Package importer reads groups into the domain types of package data:
// Meeting Guide feeds, HSDS (JSON and CSV tables), spreadsheets (CSV) and
// peermatch's own JSON, from files, folders, the stored-source folder or
// HTTP. Every bad record gives one error naming its file, record, line and
// field; good records are never lost to a bad one. It also writes CSV and
// Meeting Guide exports.
package importer
