/* Unit tests for cases/: search snippets. */
#include <stdlib.h>
#include <string.h>

#include "cases/search.h"
#include "tests/unit/t.h"

int main(void)
{
    char *s = search_snippet("Căn cứ Điều 5,\nViện trưởng ra QUYẾT ĐỊNH khởi kiện vụ án dân sự công ích", "quyet dinh khoi kien", 2);
    T_STREQ(s, "… trưởng ra QUYẾT ĐỊNH khởi kiện vụ án …", "snippet shows the original words around the match");
    free(s);
    s = search_snippet("no match here", "xyz", 1);
    T_CHECK(strstr(s, "no") != NULL, "no match gives the start of the text");
    free(s);
    s = search_snippet("", "a", 3);
    T_STREQ(s, "", "empty text gives an empty snippet");
    free(s);
    return t_done();
}
