// Fuzzes the resume-data decoder: resume files come from a disk anyone (or a
// crash) may have damaged. decode must never crash; whatever it accepts must
// be the canonical encoding of what it returns; and the start-up plan built
// from it must never trust a piece the data does not claim.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/file_layout.h"
#include "storage/resume_data.h"
#include "storage/resume_plan.h"

namespace {

using namespace btnode;
using namespace btnode::storage;

// A layout the resume data matches: one byte per piece, spread over its files.
void check_plan(const ResumeData& data) {
  const auto files = static_cast<std::int64_t>(data.files.size());
  const std::int64_t pieces = data.pieces.size();
  if (files == 0 || files > 64 || pieces > 4096) return;
  std::vector<LayoutFile> sizes(static_cast<std::size_t>(files), LayoutFile{pieces / files, false});
  sizes.back().size += pieces % files;
  auto layout = FileLayout::create(sizes, 1);
  if (!layout || layout->piece_count() != pieces) std::abort();
  const ResumePlan plan = plan_resume(*layout, data, data.files);
  for (std::int64_t p = 0; p < pieces; ++p) {
    if (plan.trusted.test(p) && !data.pieces.test(p)) std::abort();
    if (plan.trusted.test(p) && plan.recheck.test(p)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = decode_resume(input);
  if (!decoded) return 0;
  if (encode_resume(*decoded) != input) std::abort();
  check_plan(*decoded);
  return 0;
}
