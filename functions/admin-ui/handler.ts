/**
 * admin-ui: the admin page and its assets (lib/admin-ui/admin-ui-handler.ts). The built files sit in a directory
 * next to the bundle (`./admin-ui`, put there by the stack's afterBundling hook), or where `ADMIN_UI_DIR` points.
 */
import { createAdminUiHandler, type AdminUiHandler } from '#lib/admin-ui/admin-ui-handler.ts';
import { serviceEnvironment } from '#lib/aws/environment.ts';

let page: AdminUiHandler | undefined;

export const handler: AdminUiHandler = (event) => {
  page ??= createAdminUiHandler({
    assetsDir: serviceEnvironment().ADMIN_UI_DIR ?? new URL('./admin-ui', import.meta.url),
  });
  return page(event);
};
