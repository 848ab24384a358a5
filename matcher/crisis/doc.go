// Package crisis screens every inbound message for signs that a person may be
// in danger and picks the crisis lines to show, from static embedded data
// only, so it works when the index, the store or the network have failed. It
// returns values (an Assessment, line records); bot renders the reply.
//
// Screening normalizes the text (NFKC, case, zero-width and bidi characters,
// look-alike letters, leetspeak, stretched and spaced-out letters, slang and
// algospeak), matches a tiered phrase lexicon kept as data (data/crisis), and
// applies context rules: clause-scoped negation, third person, past and
// resolved, quotes and fiction, grief, idioms and jokes. It never uses bleve's
// analyzers, which drop words such as "me", "myself" and "not".
//
// Nothing here logs, and no error or Assessment carries message text: signals
// are lexicon entry ids and rule ids.
package crisis
