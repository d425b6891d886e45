/*
 * pgbak_seclabel: a label provider for pgbak's tests, so that SECURITY LABEL
 * statements can run (and round-trip through a dump) on servers that ship no
 * provider of their own. It registers two providers, "pgbak_test" and
 * 'pgbak "other"' (a name that needs quoting), each of which accepts a fixed set
 * of labels and refuses any other, as a real provider (sepgsql) refuses labels it
 * does not know. It enforces nothing: labels are only stored.
 *
 * Loaded per session (LOAD, or session_preload_libraries set for a role), never
 * from shared_preload_libraries: the test clusters are shared and not restarted.
 *
 * Built by tests/support/seclabel-provider.ts, in one of two ways:
 *  - against a server's headers (pg_config --includedir-server), the usual way;
 *  - without headers, for a major whose headers are not installed, with
 *    -DPGBAK_SECLABEL_MAJOR=<major>: the few declarations it needs are written out
 *    below, as PostgreSQL 14 to 18 declare them (fmgr.h, elog.h, seclabel.h). The
 *    server checks the magic block before it runs anything of the module, so a
 *    block that does not match the server is refused with an error, never run.
 */
#ifndef PGBAK_SECLABEL_MAJOR

#include "postgres.h"

#include "commands/seclabel.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

#else /* PGBAK_SECLABEL_MAJOR: no server headers */

#include <stdbool.h>
#include <stddef.h>

#if PGBAK_SECLABEL_MAJOR < 14 || PGBAK_SECLABEL_MAJOR > 18
#error "PGBAK_SECLABEL_MAJOR must be 14 to 18 (the declarations below are those majors')"
#endif

typedef unsigned int Oid;

/* catalog/objectaddress.h */
typedef struct ObjectAddress
{
	Oid			classId;
	Oid			objectId;
	int			objectSubId;
} ObjectAddress;

/* commands/seclabel.h */
typedef void (*check_object_relabel_type) (const ObjectAddress *object, const char *seclabel);
extern void register_label_provider(const char *provider, check_object_relabel_type hook);

/* utils/elog.h (13 and later): ERROR is 21 since 14 added WARNING_CLIENT_ONLY */
#define ERROR 21
#define ERRCODE_INVALID_PARAMETER_VALUE (('2' - '0') | (('2' - '0') << 6) | (('0' - '0') << 12) | (('2' - '0') << 18) | (('3' - '0') << 24))
extern bool errstart(int elevel, const char *domain);
extern void errfinish(const char *filename, int lineno, const char *funcname);
extern int	errcode(int sqlerrcode);
extern int	errmsg(const char *fmt,...);
#define ereport(elevel, ...) \
	do { \
		if (errstart(elevel, NULL)) \
		{ \
			__VA_ARGS__; \
			errfinish(__FILE__, __LINE__, __func__); \
		} \
	} while (0)

/* fmgr.h: the magic block, for a 64-bit build (FLOAT8PASSBYVAL) of the default configuration */
#define PGBAK_ABI_VALUES \
	PGBAK_SECLABEL_MAJOR * 100,	/* version: PG_VERSION_NUM / 100 */ \
	100,						/* FUNC_MAX_ARGS */ \
	32,							/* INDEX_MAX_KEYS */ \
	64,							/* NAMEDATALEN */ \
	1							/* FLOAT8PASSBYVAL */

#if PGBAK_SECLABEL_MAJOR == 14
typedef struct
{
	int			len;
	int			version;
	int			funcmaxargs;
	int			indexmaxkeys;
	int			namedatalen;
	int			float8byval;
} Pg_magic_struct;
static const Pg_magic_struct Pg_magic_data = {sizeof(Pg_magic_struct), PGBAK_ABI_VALUES};
#elif PGBAK_SECLABEL_MAJOR < 18
typedef struct
{
	int			len;
	int			version;
	int			funcmaxargs;
	int			indexmaxkeys;
	int			namedatalen;
	int			float8byval;
	char		abi_extra[32];
} Pg_magic_struct;
static const Pg_magic_struct Pg_magic_data = {sizeof(Pg_magic_struct), PGBAK_ABI_VALUES, "PostgreSQL"};
#else
typedef struct
{
	int			version;
	int			funcmaxargs;
	int			indexmaxkeys;
	int			namedatalen;
	int			float8byval;
	char		abi_extra[32];
} Pg_abi_values;
typedef struct
{
	int			len;
	Pg_abi_values abi_fields;
	const char *name;
	const char *version;
} Pg_magic_struct;
static const Pg_magic_struct Pg_magic_data = {sizeof(Pg_magic_struct), {PGBAK_ABI_VALUES, "PostgreSQL"}, "pgbak_seclabel", NULL};
#endif

extern const Pg_magic_struct *Pg_magic_func(void);
const Pg_magic_struct *
Pg_magic_func(void)
{
	return &Pg_magic_data;
}

#endif /* PGBAK_SECLABEL_MAJOR */

void		_PG_init(void);

/* The labels the providers accept: plain, with a quote, with a double quote and non-ASCII. */
static const char *const accepted_labels[] = {
	"unclassified",
	"classified",
	"secret",
	"top secret",
	"need 'to' know",
	"\xc3\xbc \"eyes\" only",	/* ü "eyes" only, in UTF-8 */
};

/* strcmp() == 0, written out: the build without server headers needs no C library headers either. */
static bool
same_text(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b)
	{
		a++;
		b++;
	}
	return *a == *b;
}

static void
check_label(const ObjectAddress *object, const char *seclabel)
{
	size_t		i;

	(void) object;
	/* NULL removes the label: always allowed. */
	if (seclabel == NULL)
		return;
	for (i = 0; i < sizeof(accepted_labels) / sizeof(accepted_labels[0]); i++)
	{
		if (same_text(seclabel, accepted_labels[i]))
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("pgbak test label provider: \"%s\" is not a label it accepts", seclabel)));
}

void
_PG_init(void)
{
	register_label_provider("pgbak_test", check_label);
	register_label_provider("pgbak \"other\"", check_label);
}
