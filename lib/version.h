/* The one version string of liaison, printed by `--version` of all three
 * programs, reported by `status` and exported as liaison_build_info. */
#ifndef LIAISON_VERSION_H
#define LIAISON_VERSION_H

#define LIAISON_VERSION "0.4.0"

#endif
