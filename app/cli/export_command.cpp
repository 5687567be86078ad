// `touchpoint-kiosk export`: the local responses database to stdout.
#include "app/cli/commands.h"
#include "app/export.h"
#include "app/local_database.h"

#include <cstdio>
#include <iostream>

namespace touchpoint::cli {

int run_export(Options& opt) {
    if (Status st = resolve_data_dir(opt); !st) {
        std::cerr << "touchpoint-kiosk: " << st.error() << "\n";
        return 2;
    }
    std::string db = opt.data_dir + "/responses.db";
    if (FILE* f = std::fopen(db.c_str(), "rb")) {
        std::fclose(f);
    } else {
        std::cerr << "touchpoint-kiosk: no responses database at " << db << "\n";
        return 1;
    }
    auto database = LocalDatabase::open(db);
    if (!database) {
        std::cerr << "touchpoint-kiosk: " << database.error() << "\n";
        return 1;
    }
    auto rows = export_responses(
        **database, opt.format == "jsonl" ? ExportFormat::jsonl : ExportFormat::csv, std::cout);
    std::cout.flush();
    if (!rows) {
        std::cerr << "touchpoint-kiosk: export failed: " << rows.error() << "\n";
        return 1;
    }
    std::cerr << "exported " << *rows << " responses\n";
    return 0;
}

} // namespace touchpoint::cli
