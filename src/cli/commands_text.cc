// Commands of this area: analyze (issue 5). Registered from RegisterCommands.
//
//   custintel analyze "Fast shipping but the case cracked!!"        # readable report
//   custintel analyze --json --triage "I was charged twice"          # one JSON object
//   custintel analyze --file reviews.txt > analysed.jsonl            # one JSON object per line
//
// The work is text::Analyze; this file only maps flags and prints.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/parallel.h"
#include "text/analyzer.h"
#include "text/clean.h"
#include "text/insight_batch.h"
#include "text/pii.h"

namespace custintel::cli {
namespace {

// Lines of --file analysed together: enough to keep every core busy, few enough to stream.
constexpr std::size_t kLinesPerBlock = 8192;

struct AnalyzeArgs {
  std::string text;
  std::string file;
  bool json = false;
  bool triage = false;
  bool mask_pii = false;
  int rating = 0;  // 0 = none
};

text::AnalyzeOptions ToOptions(const AnalyzeArgs& a) {
  text::AnalyzeOptions o;
  o.triage = a.triage;
  o.mask_pii = a.mask_pii;
  if (a.rating > 0) o.rating = a.rating;
  return o;
}

std::string Signed(double x) { return fmt::format("{:+.3f}", x); }

// The analysed text, as the sentence offsets see it (cleaned, masked when asked).
std::string AnalysedText(const std::string& raw, const text::AnalyzeOptions& o) {
  std::string clean = text::CleanText(raw).text;
  return o.mask_pii ? text::MaskPii(clean, o.pii).text : clean;
}

void PrintThemes(const text::Analysis& a) {
  if (a.themes.themes.empty()) {
    std::cout << "themes      none recognised\n";
    return;
  }
  for (size_t i = 0; i < a.themes.themes.size(); ++i) {
    const auto& t = a.themes.themes[i];
    std::cout << fmt::format("{:<12}{} ({}): {} {}, {} mention{}\n", i ? "" : "themes", t.name, t.id, t.polarity,
                             Signed(t.score), t.mentions, t.mentions == 1 ? "" : "s");
  }
  for (const auto& m : a.themes.mentions) {
    std::cout << fmt::format("{:<12}\"{}\" → {} {}\n", "  mention", m.phrase, m.theme_id, Signed(m.score));
  }
}

void PrintTriage(const text::TicketTriage& t) {
  std::cout << fmt::format("triage      urgency {}, customer {}, root cause {}, follow-up {}\n",
                           text::ToString(t.urgency), text::ToString(t.sentiment), t.root_cause,
                           t.follow_up_needed ? "needed" : "not needed");
  std::cout << fmt::format("  resolve   {}{}\n", t.suggested_resolution,
                           t.playbook_note_id.empty() ? "" : " (playbook " + t.playbook_note_id + ")");
  if (!t.tags.empty()) std::cout << fmt::format("  tags      {}\n", fmt::join(t.tags, ", "));
}

void PrintReadable(const std::string& raw, const text::Analysis& a, const text::AnalyzeOptions& o) {
  std::cout << fmt::format("score       {} ({})\n", Signed(a.score), a.label);
  if (a.rating) std::cout << fmt::format("rating      {} (reported beside the score, not mixed in)\n", *a.rating);
  std::string analysed = AnalysedText(raw, o);
  for (size_t i = 0; i < a.sentiment.sentences.size(); ++i) {
    const auto& s = a.sentiment.sentences[i];
    std::string_view sentence = std::string_view(analysed).substr(s.begin, s.end - s.begin);
    std::cout << fmt::format("{:<12}{}  {}\n", i ? "" : "sentences", Signed(s.compound), sentence);
  }
  PrintThemes(a);
  if (!a.themes.keyphrases.empty()) {
    std::cout << fmt::format("keyphrases  {}\n", fmt::join(a.themes.keyphrases, "; "));
  }
  std::cout << fmt::format("summary     {}\n", a.summary);
  if (a.triage) PrintTriage(*a.triage);
  for (const auto& [kind, n] : a.pii_counts) std::cout << fmt::format("pii         {} {}\n", n, kind);
  std::cout << fmt::format("input       {} bytes{}{}\n", a.bytes, a.html_stripped ? ", HTML stripped" : "",
                           a.invalid_utf8_replaced
                               ? fmt::format(", {} invalid UTF-8 sequences replaced", a.invalid_utf8_replaced)
                               : "");
}

// Analyses lines[0..n) on every core and prints one JSON object per line, in input order.
void PrintJsonLines(const std::vector<std::string>& lines, const text::AnalyzeOptions& o) {
  std::vector<std::string> out(lines.size());
  ParallelSlices(lines.size(), 0, text::kMinTextsPerThread, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) out[i] = text::Analyze(lines[i], o).ToJson().dump();
  });
  for (const std::string& j : out) std::cout << j << '\n';
}

Status AnalyzeFile(const std::string& path, const text::AnalyzeOptions& o) {
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return Status::IoError(path + ": cannot open for reading");
  }
  std::istream& in = path == "-" ? std::cin : file;
  std::vector<std::string> block;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    block.push_back(std::move(line));
    if (block.size() == kLinesPerBlock) {
      PrintJsonLines(block, o);
      block.clear();
    }
  }
  if (in.bad()) return Status::IoError(path + ": read failed");
  PrintJsonLines(block, o);
  std::cout.flush();
  return std::cout ? Status::Ok() : Status::IoError("writing the output failed");
}

Status RunAnalyze(GlobalOptions& g, const AnalyzeArgs& a, bool has_text) {
  if (has_text == !a.file.empty()) {
    g.usage_error = true;
    return Status::InvalidArgument("give either a TEXT or --file FILE (one text per line; - for stdin)");
  }
  if (a.rating != 0 && (a.rating < 1 || a.rating > 5)) {
    g.usage_error = true;
    return Status::InvalidArgument(fmt::format("--rating {} is not between 1 and 5", a.rating));
  }
  text::AnalyzeOptions o = ToOptions(a);
  if (!a.file.empty()) return AnalyzeFile(a.file, o);
  text::Analysis analysis = text::Analyze(a.text, o);
  if (a.json) {
    std::cout << analysis.ToJson().dump() << '\n';
  } else {
    PrintReadable(a.text, analysis, o);
  }
  return Status::Ok();
}

}  // namespace

void RegisterTextCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  static AnalyzeArgs args;
  auto* cmd = app.add_subcommand(
      "analyze", "sentiment, themes, summary (and ticket triage, PII masking) of one text or a file of texts");
  common(cmd, &g);
  auto* text_opt = cmd->add_option("text", args.text, "the text to analyse");
  cmd->add_option("--file", args.file, "analyse one text per line (- = stdin); prints one JSON object per line");
  cmd->add_flag("--json", args.json, "print JSON (always on with --file)");
  cmd->add_flag("--triage", args.triage, "also triage the text as a support ticket");
  cmd->add_flag("--mask-pii", args.mask_pii, "mask e-mails, phones, cards, IBANs, IPs, addresses first");
  cmd->add_option("--rating", args.rating, "a star rating 1..5, reported beside the text score");
  cmd->callback([&g, &action, text_opt] {
    bool has_text = text_opt->count() > 0;
    action = [&g, has_text] { return RunAnalyze(g, args, has_text); };
  });
}

}  // namespace custintel::cli
