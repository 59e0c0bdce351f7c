import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu: the usual roles (and so the usual shortcuts: copy, paste, undo, select
 * all, zoom, full screen, minimize, close, quit) plus the app's own pages. Developer tools and
 * reloading are there only while developing.
 */
export function applicationMenu(options: {
  platform: NodeJS.Platform;
  developing: boolean;
  navigate(route: string): void;
}): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const settings: MenuItemConstructorOptions = {
    label: mac ? 'Settings…' : 'Settings',
    accelerator: 'CmdOrCtrl+,',
    click: () => options.navigate('/settings'),
  };
  const chats: MenuItemConstructorOptions[] = [
    { label: 'New Chat', accelerator: 'CmdOrCtrl+N', click: () => options.navigate('/new/direct') },
    {
      label: 'New Group',
      accelerator: 'CmdOrCtrl+Shift+N',
      click: () => options.navigate('/new/group'),
    },
    { label: 'Chats', accelerator: 'CmdOrCtrl+1', click: () => options.navigate('/chats') },
  ];
  const developer: MenuItemConstructorOptions[] = options.developing
    ? [{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }]
    : [];
  return [
    ...(mac
      ? [
          {
            role: 'appMenu',
            submenu: [
              { role: 'about' },
              { type: 'separator' },
              settings,
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    {
      label: 'File',
      submenu: [
        ...chats,
        ...(mac ? [] : [{ type: 'separator' } as const, settings]),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...developer,
      ],
    },
    { role: 'windowMenu' },
  ];
}
