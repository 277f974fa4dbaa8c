// SheetIndex (grounding_sheet.h): the per-sheet parts of the three rules, built together.
#include "insight/grounding/grounding_sheet.h"

namespace custintel::insight {

SheetIndex::SheetIndex(const FactSheet& sheet)
    : sheet_(sheet), names_(sheet), numbers_(sheet), context_(sheet), support_(sheet) {}

}  // namespace custintel::insight
