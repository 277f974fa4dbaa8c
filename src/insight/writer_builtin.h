// The builtin writer: deterministic templates over a FactSheet (issue 7 item 4). Every number
// is a fact printed by FormatFact; every action comes from the playbook (cited as its
// snippet); the phrasing varies by subject (Variant) but is stable for a subject. Review and
// ticket text is never quoted, so what customers write cannot steer the output.
//
//   WrittenText w = WriteSegmentBuiltin(sheet, playbook);
//   nlohmann::json s = SegmentStrategies(sheet, playbook);   // three {name, description, expected_impact}
//
// Customer-level outputs other than the summary (retention strategies, recommendations,
// notifications) are in writer_builtin_customer.h.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "insight/fact_builders.h"
#include "insight/playbook.h"
#include "insight/writer.h"

namespace custintel::insight {

// parts: summary (who the segment is), drivers (why it behaves so), actions (what might help).
WrittenText WriteSegmentBuiltin(const FactSheet& sheet, const Playbook& playbook);
// The segment's numbers and names as one JSON object (fact name -> printed value, plus lists).
nlohmann::json SegmentProfile(const FactSheet& sheet);
// Three marketing strategies [{name, description, expected_impact}] from the playbook, chosen
// by the segment's top theme, churn risk and value.
nlohmann::json SegmentStrategies(const FactSheet& sheet, const Playbook& playbook);

// A customer's summary; parts.actions are the next best actions.
WrittenText WriteCustomerBuiltin(const CustomerSheet& customer, const Playbook& playbook);
// An account's summary (the customers of one account_id).
WrittenText WriteAccountBuiltin(const FactSheet& sheet, const Playbook& playbook);
// The run's executive summary: its figures in a paragraph.
WrittenText WriteRunBuiltin(const FactSheet& sheet);

}  // namespace custintel::insight
