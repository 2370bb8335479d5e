// Package standalone holds no code, only tests: they import each
// construct package into a fresh CDK app of their own, as another app
// would, without this app's configuration, build every construct with
// only its required props, and check the defaults its props document.
// Its imports are the test's evidence: no package of the app (config,
// stacks, cmd) is among them, and TestConstructsImportNoAppPackage checks
// that no construct package imports one either, directly or not.
package standalone
